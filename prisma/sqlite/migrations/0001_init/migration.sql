-- CreateTable
CREATE TABLE "Installation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "teamId" TEXT NOT NULL,
    "enterpriseId" TEXT,
    "isEnterprise" BOOLEAN NOT NULL DEFAULT false,
    "appId" TEXT,
    "botUserId" TEXT,
    "botId" TEXT,
    "installerUserId" TEXT,
    "secretData" TEXT NOT NULL,
    "secretKeyId" TEXT NOT NULL,
    "botTokenExpiresAt" DATETIME,
    "refreshLockUntil" DATETIME,
    "installedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "uninstalledAt" DATETIME
);

-- CreateTable
CREATE TABLE "Workspace" (
    "teamId" TEXT NOT NULL PRIMARY KEY,
    "defaultChannelId" TEXT,
    "reauthAllowList" TEXT NOT NULL DEFAULT '[]',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Connection" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "statusChangedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastCheckedAt" DATETIME,
    "lastSuccessAt" DATETIME,
    "nextProbeAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "disabledAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Credential" (
    "connectionId" TEXT NOT NULL PRIMARY KEY,
    "keyId" TEXT NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "accessTokenExpiresAt" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Credential_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "connectionId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "openKey" TEXT,
    "state" TEXT NOT NULL DEFAULT 'open',
    "reason" TEXT,
    "openedAt" DATETIME NOT NULL,
    "closedAt" DATETIME,
    "closedBy" TEXT,
    "lastDroppedAt" DATETIME NOT NULL,
    "reopenCount" INTEGER NOT NULL DEFAULT 0,
    "impact" TEXT NOT NULL DEFAULT '[]',
    "counts" TEXT NOT NULL DEFAULT '{}',
    "acknowledgedBy" TEXT,
    "acknowledgedAt" DATETIME,
    "snoozedUntil" DATETIME,
    "reauthStartedBy" TEXT,
    "reauthStartedAt" DATETIME,
    "channelId" TEXT,
    "messageTs" TEXT,
    "deliveryError" TEXT,
    "lastReminderAt" DATETIME,
    "reminderCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Incident_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ProcessedKey" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "AuthFlow" (
    "tokenHash" TEXT NOT NULL PRIMARY KEY,
    "purpose" TEXT NOT NULL,
    "teamId" TEXT,
    "userId" TEXT,
    "connectionId" TEXT,
    "provider" TEXT,
    "secretData" TEXT,
    "secretKeyId" TEXT,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ChannelSubscription" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "teamId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "localTime" TEXT NOT NULL DEFAULT '09:00',
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "quiet" BOOLEAN NOT NULL DEFAULT false,
    "createdBy" TEXT,
    "lastDigestDate" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "HomeViewer" (
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "lastOpenedAt" DATETIME NOT NULL,

    PRIMARY KEY ("teamId", "userId")
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "idempotencyKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "teamId" TEXT,
    "incidentId" TEXT,
    "payload" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "availableAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "lastError" TEXT,
    "result" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME
);

-- CreateTable
CREATE TABLE "SchedulerLease" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "completedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
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

