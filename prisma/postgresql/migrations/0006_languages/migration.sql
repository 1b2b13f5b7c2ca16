-- AlterTable
ALTER TABLE "AuthFlow" ADD COLUMN     "language" TEXT;

-- AlterTable
ALTER TABLE "HomeViewer" ADD COLUMN     "language" TEXT;

-- CreateTable
CREATE TABLE "LanguageSetting" (
    "teamId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "setBy" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LanguageSetting_pkey" PRIMARY KEY ("teamId","channelId")
);

