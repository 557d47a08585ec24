"""The deterministic demo shop: a UK beauty seller with 20 products (45 SKUs, GBP) and five
buyers whose histories exercise every customer-service eligibility rule (wire notes 4.1):

- Amelia ordered 12 days ago (rule 2: an order within 60 days);
- Jess ordered only 140 days ago (no rule holds: the seller may not open a chat);
- Sam ordered 90 days ago and was refunded before it shipped, which cancelled the order (rule
  3: refund history; his return is on record for Search Returns);
- Chloe ordered 3 days ago and wrote to the shop yesterday (rules 1 and 2);
- Olivia has never ordered (no rule holds until she writes first).

Times are relative to the virtual clock at seeding; IDs come from fixed counters."""

import json

from emulator.shop.store import Buyer, Conversation, Message, Product, Shop, ShopStore, Sku

DAY = 86400

# (title, category, [(variant, price, stock), ...]); 20 products, 45 SKUs.
CATALOGUE: list[tuple[str, str, list[tuple[str, str, int]]]] = [
    ("Hydra Glow Vitamin C Serum", "Serums", [("15 ml", "14.99", 120), ("30 ml", "24.99", 85)]),
    (
        "Cloud Soft Matte Lip Cream",
        "Lipstick",
        [("Rosewood", "9.50", 60), ("Berry Crush", "9.50", 44), ("Nude Silk", "9.50", 71)],
    ),
    (
        "Barrier Repair Ceramide Cream",
        "Moisturisers",
        [("50 ml", "19.00", 90), ("100 ml", "29.00", 34)],
    ),
    (
        "Dewy Skin Tinted SPF 30",
        "Foundation",
        [
            ("Fair", "21.00", 35),
            ("Light", "21.00", 52),
            ("Medium", "21.00", 48),
            ("Tan", "21.00", 27),
        ],
    ),
    ("Overnight Retinal Renewal Oil", "Serums", [("30 ml", "32.00", 40)]),
    ("Lash Lift Tubing Mascara", "Mascara", [("Black", "12.99", 150), ("Brown", "12.99", 63)]),
    ("Peptide Plump Lip Oil", "Lip Care", [("Clear", "11.00", 80), ("Pink Tint", "11.00", 77)]),
    ("Gentle Oat Cleansing Balm", "Cleansers", [("100 ml", "16.50", 95)]),
    ("Brow Sculpt Gel", "Brows", [("Clear", "8.99", 110), ("Taupe", "8.99", 58)]),
    (
        "Silk Finish Setting Powder",
        "Powder",
        [("Translucent", "18.00", 66), ("Banana", "18.00", 39)],
    ),
    ("Niacinamide 10% Blemish Serum", "Serums", [("30 ml", "12.00", 140), ("60 ml", "19.50", 58)]),
    (
        "Sun-Kissed Cream Bronzer",
        "Bronzer",
        [("Light", "15.00", 45), ("Medium", "15.00", 51), ("Deep", "15.00", 30)],
    ),
    ("Hyaluronic Hydrating Toner", "Toners", [("150 ml", "13.50", 88), ("300 ml", "22.00", 41)]),
    (
        "Glass Skin Highlighter Stick",
        "Highlighter",
        [("Champagne", "14.00", 57), ("Rose Gold", "14.00", 49)],
    ),
    (
        "Under-Eye Caffeine Patches",
        "Eye Care",
        [("30 pairs", "17.99", 73), ("60 pairs", "29.99", 21)],
    ),
    (
        "Velvet Blur Concealer",
        "Concealer",
        [("01 Porcelain", "13.00", 40), ("03 Sand", "13.00", 55), ("05 Caramel", "13.00", 33)],
    ),
    ("Rose Quartz Facial Roller", "Tools", [("Standard", "19.99", 25), ("Mini", "12.99", 36)]),
    ("Keratin Shine Hair Mist", "Hair Care", [("100 ml", "10.99", 64), ("200 ml", "16.99", 38)]),
    (
        "Cheek Tint Jelly Blush",
        "Blush",
        [("Peach Pop", "10.00", 70), ("Cherry", "10.00", 62), ("Mauve", "10.00", 47)],
    ),
    (
        "Fragrance Discovery Set",
        "Fragrance",
        [("5 x 2 ml", "25.00", 30), ("10 x 2 ml", "45.00", 18), ("Travel 10 ml", "29.00", 22)],
    ),
]

# (nickname, [(days ago, status, [(product index, sku index)], refunded)])
BUYERS: list[tuple[str, list[tuple[int, str, list[tuple[int, int]], bool]]]] = [
    ("amelia.rose", [(12, "DELIVERED", [(0, 1), (1, 0)], False)]),
    ("jess_makeup", [(140, "COMPLETED", [(5, 0)], False)]),
    ("skincare.sam", [(90, "CANCELLED", [(4, 0)], True)]),
    ("chloe.b", [(200, "COMPLETED", [(3, 1)], False), (3, "IN_TRANSIT", [(6, 1), (6, 1)], False)]),
    ("olivia.grace", []),
]


def seed(store: ShopStore, now: int) -> None:
    ids = store.ids
    store.shop = Shop(
        id=ids.next("shop"),
        name="Glow Theory Beauty UK",
        region="GB",
        currency="GBP",
        cipher="ROW_KxPZWgAAAADWxSfGkmD0Xb1AjVKq1S_9",
        code="GBLCGLOWTH01",
        seller_type="LOCAL",
        seller_name="Glow Theory Beauty UK",
        seller_email="seller@glowtheory.example",
        open_id=ids.next("open_id"),
        im_user_id=ids.next("im_user"),
        warehouse_id="7301000000000000001",
    )
    for n, (title, category, variants) in enumerate(CATALOGUE):
        created = now - (400 - n * 7) * DAY
        product = Product(
            id=ids.next("product"),
            title=title,
            description=f"<p>{title} by Glow Theory. Cruelty-free, made in the UK.</p>",
            category=category,
            brand="Glow Theory",
            status="ACTIVATE",
            create_time=created,
            update_time=created + 30 * DAY,
        )
        for m, (variant, price, stock) in enumerate(variants):
            sku = Sku(
                id=ids.next("sku"),
                product_id=product.id,
                seller_sku=f"GT-{n + 1:02d}-{m + 1}",
                name=variant,
                price=price,
                quantity=stock,
            )
            product.skus.append(sku)
            store.skus[sku.id] = sku
        store.products[product.id] = product

    # orders build on the catalogue above
    from emulator.shop.orders import create_order, set_status
    from emulator.shop.returns import seed_refund

    products = list(store.products.values())
    for n, (nickname, history) in enumerate(BUYERS):
        buyer = Buyer(
            user_id=ids.next("buyer"),
            im_user_id=ids.next("im_user"),
            nickname=nickname,
            email=f"v2b2V{n}x@chat.seller.tiktok.com",
        )
        store.buyers[buyer.user_id] = buyer
        for days_ago, status, picks, refunded in history:
            skus = [products[p].skus[s] for p, s in picks]
            order = create_order(store, buyer=buyer, skus=skus, at=now - days_ago * DAY)
            order.paid_time = order.create_time + 60
            moved = order.create_time + min(days_ago * DAY // 2, 5 * DAY)
            if refunded:  # a full refund before shipment, as returns.refund makes one
                seed_refund(store, order, at=moved)
                order.cancel_reason = "Refunded"
                order.cancellation_initiator = "BUYER"
            set_status(order, status, moved)

    chloe = next(b for b in store.buyers.values() if b.nickname == "chloe.b")
    conversation = Conversation(
        id=ids.next("conversation"), shop_id=store.the_shop.id, buyer=chloe, create_time=now - DAY
    )
    conversation.messages.append(
        Message(
            id=ids.next("message"),
            conversation_id=conversation.id,
            type="TEXT",
            content=json.dumps({"content": "Hi! Is the lip oil safe for sensitive lips?"}),
            create_time=now - DAY,
            sender_role="BUYER",
            sender_im_user_id=chloe.im_user_id,
            sender_nickname=chloe.nickname,
            index=ids.next("message"),
        )
    )
    store.conversations[conversation.id] = conversation
