-- AlterTable
ALTER TABLE "AuthFlow" ADD COLUMN "language" TEXT;

-- AlterTable
ALTER TABLE "HomeViewer" ADD COLUMN "language" TEXT;

-- CreateTable
CREATE TABLE "LanguageSetting" (
    "teamId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "setBy" TEXT,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("teamId", "channelId")
);

