-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "hardExpiresAt" DATETIME;
ALTER TABLE "Credential" ADD COLUMN "hardExpiryKind" TEXT;
ALTER TABLE "Credential" ADD COLUMN "signedInAs" TEXT;
ALTER TABLE "Credential" ADD COLUMN "refreshLockUntil" DATETIME;
ALTER TABLE "Credential" ADD COLUMN "refreshedAt" DATETIME;
