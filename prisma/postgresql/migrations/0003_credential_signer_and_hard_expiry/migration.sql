-- AlterTable
ALTER TABLE "Credential" ADD COLUMN     "hardExpiresAt" TIMESTAMP(3),
ADD COLUMN     "hardExpiryKind" TEXT,
ADD COLUMN     "signedInAs" TEXT;

