-- CreateTable
CREATE TABLE "ReconciliationRun" (
    "id" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "skus" INTEGER NOT NULL DEFAULT 0,
    "drifted" INTEGER NOT NULL DEFAULT 0,
    "repaired" INTEGER NOT NULL DEFAULT 0,
    "trigger" TEXT NOT NULL,
    "actor" TEXT,

    CONSTRAINT "ReconciliationRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconciliationDrift" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "redis" INTEGER,
    "expected" INTEGER NOT NULL,
    "repaired" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "ReconciliationDrift_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "available" INTEGER NOT NULL,
    "threshold" INTEGER NOT NULL,
    "raisedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedBy" TEXT,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReconciliationRun_startedAt_idx" ON "ReconciliationRun"("startedAt");

-- CreateIndex
CREATE INDEX "ReconciliationDrift_runId_idx" ON "ReconciliationDrift"("runId");

-- CreateIndex
CREATE INDEX "ReconciliationDrift_sku_idx" ON "ReconciliationDrift"("sku");

-- CreateIndex
CREATE INDEX "Alert_raisedAt_idx" ON "Alert"("raisedAt");

-- CreateIndex
CREATE INDEX "Alert_sku_idx" ON "Alert"("sku");

-- CreateIndex (hand-written: at most one open alert per SKU and kind, even with several sidecars raising)
CREATE UNIQUE INDEX "Alert_open_sku_kind_key" ON "Alert"("sku", "kind") WHERE "acknowledgedAt" IS NULL;

-- AddForeignKey
ALTER TABLE "ReconciliationDrift" ADD CONSTRAINT "ReconciliationDrift_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ReconciliationRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
