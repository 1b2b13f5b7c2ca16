-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Installation" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "enterpriseId" TEXT,
    "isEnterprise" BOOLEAN NOT NULL DEFAULT false,
    "appId" TEXT,
    "botUserId" TEXT,
    "botId" TEXT,
    "installerUserId" TEXT,
    "secretData" TEXT NOT NULL,
    "secretKeyId" TEXT NOT NULL,
    "botTokenExpiresAt" TIMESTAMP(3),
    "refreshLockUntil" TIMESTAMP(3),
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "uninstalledAt" TIMESTAMP(3),

    CONSTRAINT "Installation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Workspace" (
    "teamId" TEXT NOT NULL,
    "defaultChannelId" TEXT,
    "reauthAllowList" TEXT NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Workspace_pkey" PRIMARY KEY ("teamId")
);

-- CreateTable
CREATE TABLE "Connection" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "externalAccountId" TEXT NOT NULL,
    "channelId" TEXT,
    "owners" TEXT NOT NULL DEFAULT '[]',
    "options" TEXT NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'connected',
    "reason" TEXT,
    "statusChangedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastCheckedAt" TIMESTAMP(3),
    "lastSuccessAt" TIMESTAMP(3),
    "nextProbeAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "disabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Credential" (
    "connectionId" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "accessTokenExpiresAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Credential_pkey" PRIMARY KEY ("connectionId")
);

-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "openKey" TEXT,
    "state" TEXT NOT NULL DEFAULT 'open',
    "reason" TEXT,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),
    "closedBy" TEXT,
    "lastDroppedAt" TIMESTAMP(3) NOT NULL,
    "reopenCount" INTEGER NOT NULL DEFAULT 0,
    "impact" TEXT NOT NULL DEFAULT '[]',
    "counts" TEXT NOT NULL DEFAULT '{}',
    "acknowledgedBy" TEXT,
    "acknowledgedAt" TIMESTAMP(3),
    "snoozedUntil" TIMESTAMP(3),
    "reauthStartedBy" TEXT,
    "reauthStartedAt" TIMESTAMP(3),
    "channelId" TEXT,
    "messageTs" TEXT,
    "deliveryError" TEXT,
    "lastReminderAt" TIMESTAMP(3),
    "reminderCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Incident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "connectionId" TEXT,
    "incidentId" TEXT,
    "action" TEXT NOT NULL,
    "fromStatus" TEXT,
    "toStatus" TEXT,
    "reason" TEXT,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "detail" TEXT NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProcessedKey" (
    "key" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedKey_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "AuthFlow" (
    "tokenHash" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "teamId" TEXT,
    "userId" TEXT,
    "connectionId" TEXT,
    "provider" TEXT,
    "secretData" TEXT,
    "secretKeyId" TEXT,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuthFlow_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateTable
CREATE TABLE "ChannelSubscription" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "localTime" TEXT NOT NULL DEFAULT '09:00',
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "quiet" BOOLEAN NOT NULL DEFAULT false,
    "createdBy" TEXT,
    "lastDigestDate" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChannelSubscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HomeViewer" (
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "lastOpenedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HomeViewer_pkey" PRIMARY KEY ("teamId","userId")
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "teamId" TEXT,
    "incidentId" TEXT,
    "payload" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "availableAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "result" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "OutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SchedulerLease" (
    "key" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SchedulerLease_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "Installation_teamId_key" ON "Installation"("teamId");

-- CreateIndex
CREATE INDEX "Connection_teamId_status_idx" ON "Connection"("teamId", "status");

-- CreateIndex
CREATE INDEX "Connection_status_nextProbeAt_idx" ON "Connection"("status", "nextProbeAt");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_teamId_provider_externalAccountId_key" ON "Connection"("teamId", "provider", "externalAccountId");

-- CreateIndex
CREATE UNIQUE INDEX "Incident_openKey_key" ON "Incident"("openKey");

-- CreateIndex
CREATE INDEX "Incident_connectionId_openedAt_idx" ON "Incident"("connectionId", "openedAt");

-- CreateIndex
CREATE INDEX "Incident_teamId_state_idx" ON "Incident"("teamId", "state");

-- CreateIndex
CREATE INDEX "Incident_state_lastReminderAt_idx" ON "Incident"("state", "lastReminderAt");

-- CreateIndex
CREATE INDEX "AuditEvent_connectionId_createdAt_idx" ON "AuditEvent"("connectionId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_incidentId_createdAt_idx" ON "AuditEvent"("incidentId", "createdAt");

-- CreateIndex
CREATE INDEX "ProcessedKey_createdAt_idx" ON "ProcessedKey"("createdAt");

-- CreateIndex
CREATE INDEX "AuthFlow_expiresAt_idx" ON "AuthFlow"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "ChannelSubscription_teamId_channelId_key" ON "ChannelSubscription"("teamId", "channelId");

-- CreateIndex
CREATE INDEX "HomeViewer_teamId_lastOpenedAt_idx" ON "HomeViewer"("teamId", "lastOpenedAt");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMessage_idempotencyKey_key" ON "OutboxMessage"("idempotencyKey");

-- CreateIndex
CREATE INDEX "OutboxMessage_state_availableAt_idx" ON "OutboxMessage"("state", "availableAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_incidentId_idx" ON "OutboxMessage"("incidentId");

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

