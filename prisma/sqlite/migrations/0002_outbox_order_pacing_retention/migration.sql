-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN "orderKey" TEXT;
ALTER TABLE "OutboxMessage" ADD COLUMN "seq" INTEGER;

-- CreateTable
CREATE TABLE "ChannelPace" (
    "channelKey" TEXT NOT NULL PRIMARY KEY,
    "nextAtMs" BIGINT NOT NULL
);

-- CreateIndex
CREATE INDEX "AuditEvent_createdAt_idx" ON "AuditEvent"("createdAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_state_createdAt_idx" ON "OutboxMessage"("state", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMessage_orderKey_seq_key" ON "OutboxMessage"("orderKey", "seq");

-- DropTable: per-workspace settings were never written (the default channel is SLACK_DEFAULT_CHANNEL)
DROP TABLE "Workspace";
