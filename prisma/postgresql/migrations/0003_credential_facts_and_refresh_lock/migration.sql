-- AlterTable
ALTER TABLE "Credential" ADD COLUMN     "hardExpiresAt" TIMESTAMP(3),
ADD COLUMN     "hardExpiryKind" TEXT,
ADD COLUMN     "refreshLockUntil" TIMESTAMP(3),
ADD COLUMN     "refreshedAt" TIMESTAMP(3),
ADD COLUMN     "signedInAs" TEXT;

