-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "probeClaimedAt" TIMESTAMP(3),
ADD COLUMN     "probeClaimedBy" TEXT,
ADD COLUMN     "probeLeaseUntil" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Connection_probeLeaseUntil_idx" ON "Connection"("probeLeaseUntil");

