-- CreateTable
CREATE TABLE "Sale" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "startsAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'scheduled',
    "admissionRate" DOUBLE PRECISION NOT NULL,
    "perShopperLimit" INTEGER NOT NULL DEFAULT 1,
    "admissionWindowSeconds" INTEGER NOT NULL DEFAULT 120,
    "graceSeconds" INTEGER NOT NULL DEFAULT 300,
    "overAdmitPercent" INTEGER NOT NULL DEFAULT 10,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "Sale_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SaleSku" (
    "saleId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SaleSku_pkey" PRIMARY KEY ("saleId","sku")
);

-- CreateIndex
CREATE INDEX "Sale_status_idx" ON "Sale"("status");

-- CreateIndex
CREATE INDEX "SaleSku_sku_idx" ON "SaleSku"("sku");

-- AddForeignKey
ALTER TABLE "SaleSku" ADD CONSTRAINT "SaleSku_saleId_fkey" FOREIGN KEY ("saleId") REFERENCES "Sale"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SaleSku" ADD CONSTRAINT "SaleSku_sku_fkey" FOREIGN KEY ("sku") REFERENCES "Sku"("code") ON DELETE CASCADE ON UPDATE CASCADE;
