-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "refreshLockOwner" TEXT;

