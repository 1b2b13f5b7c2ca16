-- CreateTable
CREATE TABLE "ExpiryWarning" (
    "id" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "hardExpiresAt" TIMESTAMP(3) NOT NULL,
    "thresholdDays" INTEGER NOT NULL,
    "channelId" TEXT,
    "messageTs" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMP(3),
    "closedBy" TEXT,

    CONSTRAINT "ExpiryWarning_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ExpiryWarning_connectionId_closedAt_idx" ON "ExpiryWarning"("connectionId", "closedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ExpiryWarning_connectionId_hardExpiresAt_thresholdDays_key" ON "ExpiryWarning"("connectionId", "hardExpiresAt", "thresholdDays");

