-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "burstOf" TEXT;

-- CreateIndex
CREATE INDEX "Incident_teamId_openedAt_idx" ON "Incident"("teamId", "openedAt");

-- CreateIndex
CREATE INDEX "Incident_burstOf_idx" ON "Incident"("burstOf");

