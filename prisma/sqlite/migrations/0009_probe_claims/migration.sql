-- AlterTable
ALTER TABLE "Connection" ADD COLUMN "probeClaimedAt" DATETIME;
ALTER TABLE "Connection" ADD COLUMN "probeClaimedBy" TEXT;
ALTER TABLE "Connection" ADD COLUMN "probeLeaseUntil" DATETIME;

-- CreateIndex
CREATE INDEX "Connection_probeLeaseUntil_idx" ON "Connection"("probeLeaseUntil");

