-- CreateTable
CREATE TABLE "QuarantinedEvent" (
    "id" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "streamId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "version" INTEGER,
    "payload" JSONB NOT NULL,
    "error" TEXT NOT NULL,
    "quarantinedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),
    "resolvedBy" TEXT,
    "resolutionNote" TEXT,

    CONSTRAINT "QuarantinedEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "QuarantinedEvent_sku_streamId_kind_key" ON "QuarantinedEvent"("sku", "streamId", "kind");

-- CreateIndex
CREATE INDEX "QuarantinedEvent_resolvedAt_idx" ON "QuarantinedEvent"("resolvedAt");

-- CreateIndex
CREATE INDEX "QuarantinedEvent_quarantinedAt_idx" ON "QuarantinedEvent"("quarantinedAt");
