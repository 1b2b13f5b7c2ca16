-- DropIndex
DROP INDEX "ExpiryWarning_connectionId_hardExpiresAt_thresholdDays_key";

-- AlterTable
ALTER TABLE "ExpiryWarning" ADD COLUMN "openKey" TEXT;

-- Open warnings take their key; where one threshold was warned about several times (each refresh that
-- restated the expiry), the newest takes it and the others stay open without one until they are closed.
UPDATE "ExpiryWarning" SET "openKey" = "connectionId" || '|' || CAST("thresholdDays" AS TEXT)
WHERE "closedAt" IS NULL AND NOT EXISTS (
  SELECT 1 FROM "ExpiryWarning" AS "newer"
  WHERE "newer"."connectionId" = "ExpiryWarning"."connectionId" AND "newer"."thresholdDays" = "ExpiryWarning"."thresholdDays"
    AND "newer"."closedAt" IS NULL
    AND ("newer"."createdAt" > "ExpiryWarning"."createdAt" OR ("newer"."createdAt" = "ExpiryWarning"."createdAt" AND "newer"."id" > "ExpiryWarning"."id"))
);

-- CreateIndex
CREATE UNIQUE INDEX "ExpiryWarning_openKey_key" ON "ExpiryWarning"("openKey");

