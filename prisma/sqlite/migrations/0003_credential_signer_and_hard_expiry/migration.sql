-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "hardExpiresAt" DATETIME;
ALTER TABLE "Credential" ADD COLUMN "hardExpiryKind" TEXT;
ALTER TABLE "Credential" ADD COLUMN "signedInAs" TEXT;

