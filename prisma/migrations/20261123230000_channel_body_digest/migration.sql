-- A channel webhook's signature covers only its body, not the channel name in the URL, so a
-- captured request replayed to another channel's URL carries a valid signature. The SHA-256 of
-- the signed body, unique across channels among first deliveries, makes such a replay a
-- duplicate wherever it is sent.

-- AlterTable
ALTER TABLE "ChannelDelivery" ADD COLUMN "bodyDigest" TEXT;

-- CreateIndex (partial, like ChannelDelivery_channel_eventId_first_key: not expressible in schema.prisma)
CREATE UNIQUE INDEX "ChannelDelivery_bodyDigest_first_key" ON "ChannelDelivery"("bodyDigest") WHERE "status" <> 'duplicate' AND "bodyDigest" IS NOT NULL;
