-- CreateTable
CREATE TABLE "ExpiryWarning" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "connectionId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "hardExpiresAt" DATETIME NOT NULL,
    "thresholdDays" INTEGER NOT NULL,
    "channelId" TEXT,
    "messageTs" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" DATETIME,
    "closedBy" TEXT
);

-- CreateIndex
CREATE INDEX "ExpiryWarning_connectionId_closedAt_idx" ON "ExpiryWarning"("connectionId", "closedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ExpiryWarning_connectionId_hardExpiresAt_thresholdDays_key" ON "ExpiryWarning"("connectionId", "hardExpiresAt", "thresholdDays");

