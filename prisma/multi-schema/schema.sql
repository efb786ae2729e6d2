-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "auth";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "shop";

-- CreateTable
CREATE TABLE "auth"."Account" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shop"."orders" (
    "id" SERIAL NOT NULL,
    "accountId" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shop"."Line" (
    "id" SERIAL NOT NULL,
    "orderId" INTEGER NOT NULL,
    "sku" TEXT NOT NULL,

    CONSTRAINT "Line_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shop"."Label" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Label_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth"."events" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shop"."events" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth"."_AccountToLabel" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_AccountToLabel_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateIndex
CREATE UNIQUE INDEX "Account_email_key" ON "auth"."Account"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Label_name_key" ON "shop"."Label"("name");

-- CreateIndex
CREATE INDEX "_AccountToLabel_B_index" ON "auth"."_AccountToLabel"("B");

-- AddForeignKey
ALTER TABLE "shop"."orders" ADD CONSTRAINT "orders_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "auth"."Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shop"."Line" ADD CONSTRAINT "Line_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "shop"."orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth"."_AccountToLabel" ADD CONSTRAINT "_AccountToLabel_A_fkey" FOREIGN KEY ("A") REFERENCES "auth"."Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth"."_AccountToLabel" ADD CONSTRAINT "_AccountToLabel_B_fkey" FOREIGN KEY ("B") REFERENCES "shop"."Label"("id") ON DELETE CASCADE ON UPDATE CASCADE;
