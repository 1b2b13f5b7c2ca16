-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN     "orderKey" TEXT,
ADD COLUMN     "seq" INTEGER;

-- CreateTable
-- Unlogged: pacing state is worth nothing after a crash, and every Slack post writes it (no WAL, no fsync).
CREATE UNLOGGED TABLE "ChannelPace" (
    "channelKey" TEXT NOT NULL,
    "nextAtMs" BIGINT NOT NULL,

    CONSTRAINT "ChannelPace_pkey" PRIMARY KEY ("channelKey")
);

-- CreateIndex
CREATE INDEX "AuditEvent_createdAt_idx" ON "AuditEvent"("createdAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_state_createdAt_idx" ON "OutboxMessage"("state", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMessage_orderKey_seq_key" ON "OutboxMessage"("orderKey", "seq");

-- DropTable: per-workspace settings were never written (the default channel is SLACK_DEFAULT_CHANNEL)
DROP TABLE "Workspace";
