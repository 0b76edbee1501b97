"""Small look-alikes of well-known real exports: the real headers and how their values are written.

Each function returns the bytes of one file as its source system writes it (generated here,
deterministic, no network), so tests can check that a user's own export works without mapping
a column by hand:

    online_retail_csv / online_retail_xlsx   UCI "Online Retail" (transactions, one row per line)
    telco_churn_csv                          IBM Telco customer churn (customers)
    olist_orders_csv                         Olist orders joined with their payments (transactions)
    shopify_orders_csv                       Shopify "Export orders" (one row per line item)
    stripe_invoices_csv                      Stripe Dashboard invoices export (transactions)
    crm_customers_csv                        HubSpot/ChartMogul-style companies export (customers)
    stripe_payments_csv                      Stripe payments export: four currencies, refunds, failures
    accounts_parquet                         a warehouse table with ARR and no MRR (customers)
    kunden_csv                               a German CRM export (customers)
    uk_invoices_csv                          a UK accounting export with "Net (GBP)" (transactions)
    paddle_transactions_csv                  Paddle Billing transactions: Total in 3 currencies, Earnings in USD
    zuora_invoices_csv                       Zuora invoices: Posted, Draft and Canceled
    hubspot_deals_csv                        HubSpot deals: won, lost and open stages
    chargebee_customers_csv                  Chargebee customers: "customers.id" beside "customers.email"
    recurly_subscriptions_csv                Recurly subscriptions: state active / canceled / expired / future
    customer_personality_csv                 Kaggle Customer Personality: `;`, a campaign Response (0/1) per customer
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

__all__ = [
    "online_retail_frame",
    "online_retail_csv",
    "online_retail_xlsx",
    "telco_churn_csv",
    "olist_orders_csv",
    "shopify_orders_csv",
    "stripe_invoices_csv",
    "crm_customers_csv",
    "stripe_payments_csv",
    "accounts_parquet",
    "kunden_csv",
    "uk_invoices_csv",
    "paddle_transactions_csv",
    "zuora_invoices_csv",
    "hubspot_deals_csv",
    "chargebee_customers_csv",
    "recurly_subscriptions_csv",
    "customer_personality_csv",
]

_PRODUCTS = [
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55), ("71053", "WHITE METAL LANTERN", 3.39),
    ("84406B", "CREAM CUPID HEARTS COAT HANGER", 2.75), ("84029G", "KNITTED UNION FLAG HOT WATER BOTTLE", 3.39),
    ("22752", "SET 7 BABUSHKA NESTING BOXES", 7.65), ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 4.25),
    ("22633", "HAND WARMER UNION JACK", 1.85), ("22632", "HAND WARMER RED POLKA DOT", 1.85),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", 1.69), ("22745", "POPPY'S PLAYHOUSE BEDROOM", 2.10),
    ("22748", "POPPY'S PLAYHOUSE KITCHEN", 2.10), ("22310", "IVORY KNITTED MUG COSY", 1.65),
    ("84969", "BOX OF 6 ASSORTED COLOUR TEASPOONS", 4.25), ("22623", "BOX OF VINTAGE JIGSAW BLOCKS", 4.95),
    ("21754", "HOME BUILDING BLOCK WORD", 5.95), ("22960", "JAM MAKING SET WITH JARS", 4.25),
    ("22912", "YELLOW COAT RACK PARIS FASHION", 4.95), ("POST", "POSTAGE", 18.00),
]
_COUNTRIES = ["United Kingdom"] * 8 + ["France", "Germany", "EIRE", "Spain"]


def online_retail_frame(*, n_customers: int = 60, n_invoices: int = 320, seed: int = 7) -> pd.DataFrame:
    """UCI Online Retail lines: InvoiceNo ('C' = cancellation, negative Quantity), CustomerID with blanks."""
    rng = np.random.default_rng(seed)
    customers = rng.choice(np.arange(12346, 18288), size=n_customers, replace=False)
    country = {c: _COUNTRIES[i % len(_COUNTRIES)] for i, c in enumerate(customers)}
    start = pd.Timestamp("2010-12-01 08:26")
    offsets = np.sort(rng.integers(0, 373 * 24 * 60, size=n_invoices))
    rows = []
    for number, minutes in zip(range(536365, 536365 + n_invoices), offsets):
        when = start + pd.Timedelta(minutes=int(minutes))
        customer = customers[rng.integers(n_customers)] if rng.random() > 0.12 else None  # guests: no id
        cancelled = customer is not None and rng.random() < 0.05
        invoice = f"C{number}" if cancelled else str(number)
        for product in rng.choice(len(_PRODUCTS), size=int(rng.integers(1, 5)), replace=False):
            code, description, price = _PRODUCTS[product]
            quantity = int(rng.choice([1, 2, 3, 4, 6, 8, 12, 24]))
            rows.append({
                "InvoiceNo": invoice, "StockCode": code, "Description": description,
                "Quantity": -quantity if cancelled else quantity, "InvoiceDate": when, "UnitPrice": price,
                "CustomerID": float(customer) if customer is not None else np.nan,
                "Country": country[customer] if customer is not None else "United Kingdom",
            })
    return pd.DataFrame(rows)


def online_retail_csv(frame: pd.DataFrame | None = None) -> bytes:
    """As the widely shared CSV copy: Latin-1, "12/1/2010 8:26" dates, ids as "17850.0"."""
    frame = online_retail_frame() if frame is None else frame
    written = [f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}" for d in frame["InvoiceDate"]]
    out = frame.assign(InvoiceDate=written)
    return out.to_csv(index=False).encode("latin-1")


def online_retail_xlsx(frame: pd.DataFrame | None = None) -> bytes:
    """As UCI's Online Retail.xlsx: real date cells, CustomerID as numbers, InvoiceNo numbers and 'C' text."""
    import openpyxl

    frame = online_retail_frame() if frame is None else frame
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Online Retail"
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([
            int(row.InvoiceNo) if row.InvoiceNo.isdigit() else row.InvoiceNo,
            int(row.StockCode) if row.StockCode.isdigit() else row.StockCode,
            row.Description, row.Quantity, row.InvoiceDate.to_pydatetime(), row.UnitPrice,
            None if np.isnan(row.CustomerID) else int(row.CustomerID), row.Country,
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def telco_churn_csv(*, n: int = 300, seed: int = 3) -> bytes:
    """IBM Telco churn: customerID "7590-VHVEG", Yes/No flags, tenure in months, TotalCharges " " when new."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    ids = [f"{rng.integers(1000, 10000)}-{''.join(rng.choice(letters, 5))}" for _ in range(n)]
    tenure = rng.integers(0, 73, n)
    tenure[:6] = 0  # brand-new customers: the file has a blank (" ") total for them
    internet = rng.choice(["DSL", "Fiber optic", "No"], n, p=[0.35, 0.45, 0.2])
    monthly = np.round(np.where(internet == "No", rng.uniform(18.25, 26, n),
                                np.where(internet == "DSL", rng.uniform(25, 80, n), rng.uniform(68, 118.75, n))), 2)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.21, 0.24])
    churn = rng.random(n) < np.where(contract == "Month-to-month", 0.42, 0.08)
    yes_no = lambda p: rng.choice(["Yes", "No"], n, p=[p, 1 - p])  # noqa: E731
    total = np.round(monthly * tenure * rng.uniform(0.95, 1.05, n), 2)
    frame = pd.DataFrame({
        "customerID": ids, "gender": rng.choice(["Female", "Male"], n), "SeniorCitizen": (rng.random(n) < 0.16) * 1,
        "Partner": yes_no(0.48), "Dependents": yes_no(0.3), "tenure": tenure, "PhoneService": yes_no(0.9),
        "MultipleLines": rng.choice(["No phone service", "No", "Yes"], n), "InternetService": internet,
        "OnlineSecurity": rng.choice(["No", "Yes", "No internet service"], n), "TechSupport": yes_no(0.3),
        "StreamingTV": rng.choice(["No", "Yes", "No internet service"], n), "Contract": contract,
        "PaperlessBilling": yes_no(0.59),
        "PaymentMethod": rng.choice(["Electronic check", "Mailed check", "Bank transfer (automatic)",
                                     "Credit card (automatic)"], n),
        "MonthlyCharges": monthly, "TotalCharges": [" " if t == 0 else f"{v:.2f}".rstrip("0").rstrip(".")
                                                    for t, v in zip(tenure, total)],
        "Churn": np.where(churn, "Yes", "No"),
    })
    return frame.to_csv(index=False).encode("utf-8")


def _hex(rng: np.random.Generator, n: int) -> list[str]:
    return ["".join(rng.choice(list("0123456789abcdef"), 32)) for _ in range(n)]


def olist_orders_csv(*, n_customers: int = 80, n_orders: int = 260, seed: int = 5) -> bytes:
    """Olist orders joined with order payments: hex ids, ISO timestamps, payment_value (vouchers split a payment)."""
    rng = np.random.default_rng(seed)
    customers = _hex(rng, n_customers)
    orders = _hex(rng, n_orders)
    purchased = pd.Timestamp("2017-01-05 10:56:33") + pd.to_timedelta(np.sort(rng.integers(0, 600 * 86400, n_orders)),
                                                                       unit="s")
    stamp = lambda t: t.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    rows = []
    for i, order in enumerate(orders):
        status = "canceled" if rng.random() < 0.03 else "delivered"
        bought = purchased[i]
        approved, carrier = bought + pd.Timedelta(minutes=int(rng.integers(5, 600))), bought + pd.Timedelta(days=2)
        delivered = bought + pd.Timedelta(days=int(rng.integers(3, 20)))
        value = round(float(rng.lognormal(4.5, 0.7)), 2)
        parts = [value] if rng.random() > 0.1 else [round(value * 0.3, 2), round(value - round(value * 0.3, 2), 2)]
        for sequential, part in enumerate(parts, start=1):
            rows.append({
                "order_id": order, "customer_id": customers[rng.integers(n_customers)] if sequential == 1 else
                rows[-1]["customer_id"], "order_status": status, "order_purchase_timestamp": stamp(bought),
                "order_approved_at": stamp(approved), "order_delivered_carrier_date": stamp(carrier),
                "order_delivered_customer_date": "" if status == "canceled" else stamp(delivered),
                "order_estimated_delivery_date": (bought + pd.Timedelta(days=25)).strftime("%Y-%m-%d 00:00:00"),
                "payment_sequential": sequential, "payment_type": "credit_card" if sequential == 1 else "voucher",
                "payment_installments": int(rng.integers(1, 9)) if sequential == 1 else 1, "payment_value": part,
            })
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8")


def shopify_orders_csv(*, n_customers: int = 50, n_orders: int = 200, seed: int = 11) -> bytes:
    """Shopify "Export orders": one row per line item; order fields (Total, Paid at, Id) on the first row only."""
    rng = np.random.default_rng(seed)
    emails = [f"customer{i}@example.{'com' if i % 3 else 'de'}" for i in range(n_customers)]
    created = pd.Timestamp("2024-01-05 10:12:00") + pd.to_timedelta(np.sort(rng.integers(0, 330 * 1440, n_orders)),
                                                                     unit="m")
    with_zone = lambda t: t.strftime("%Y-%m-%d %H:%M:%S +0100")  # noqa: E731
    items = [("Classic Tee - M", 25.0, "TEE-M"), ("Hoodie - L", 59.0, "HOOD-L"), ("Cap", 19.5, "CAP-1"),
             ("Socks 3-pack", 12.0, "SOCK-3")]
    rows = []
    for i in range(n_orders):
        email = emails[rng.integers(n_customers)]
        lines = rng.choice(len(items), size=int(rng.integers(1, 4)), replace=False)
        quantities = rng.integers(1, 3, len(lines))
        subtotal = float(sum(items[k][1] * q for k, q in zip(lines, quantities)))
        shipping = 4.9 if subtotal < 50 else 0.0
        paid = rng.random() > 0.05
        for j, (k, q) in enumerate(zip(lines, quantities)):
            first = j == 0
            rows.append({
                "Name": f"#{1001 + i}", "Email": email,
                "Financial Status": ("paid" if paid else "pending") if first else "",
                "Paid at": with_zone(created[i] + pd.Timedelta(minutes=1)) if first and paid else "",
                "Fulfillment Status": "fulfilled" if first else "", "Accepts Marketing": "yes" if first else "",
                "Currency": "EUR" if first else "", "Subtotal": f"{subtotal:.2f}" if first else "",
                "Shipping": f"{shipping:.2f}" if first else "",
                "Taxes": f"{subtotal * 0.19 / 1.19:.2f}" if first else "",
                "Total": f"{subtotal + shipping:.2f}" if first else "", "Discount Code": "",
                "Discount Amount": "0.00" if first else "", "Shipping Method": "Standard" if first else "",
                "Created at": with_zone(created[i]), "Lineitem quantity": int(q), "Lineitem name": items[k][0],
                "Lineitem price": f"{items[k][1]:.2f}", "Lineitem sku": items[k][2],
                "Billing Name": f"Person {email.split('@')[0][8:]}" if first else "",
                "Billing Zip": f"{rng.integers(1000, 99999):05d}" if first else "",
                "Billing Country": "DE" if first else "", "Cancelled at": "", "Payment Method": "Shopify Payments"
                if first else "", "Refunded Amount": "0.00" if first else "",
                "Id": str(5_600_000_000_000 + 1000 * i) if first else "", "Source": "web" if first else "",
            })
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8")


def stripe_invoices_csv(*, n_customers: int = 40, months: int = 14, seed: int = 13) -> bytes:
    """Stripe Dashboard invoices export: id in_..., Customer cus_..., "Date (UTC)" and amounts in units."""
    rng = np.random.default_rng(seed)
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    token = lambda: "".join(rng.choice(alphabet, 14))  # noqa: E731
    customers = [(f"cus_{token()}", f"billing{i}@acme{i}.io", rng.choice([29.0, 99.0, 299.0]))
                 for i in range(n_customers)]
    start = pd.Timestamp("2023-01-03 09:00")
    rows = []
    for index, (customer, email, price) in enumerate(customers):
        first = int(rng.integers(0, months - 2))
        last = int(rng.integers(first + 1, months + 1))
        for month in range(first, last):
            when = (start + pd.DateOffset(months=month)
                    + pd.Timedelta(days=int(index % 20), minutes=int(rng.integers(0, 600))))
            status = "paid" if rng.random() > 0.08 else rng.choice(["open", "uncollectible"])
            paid = status == "paid"
            rows.append({
                "id": f"in_{token()}", "Customer": customer, "Customer Email": email, "Amount Due": f"{price:.2f}",
                "Amount Paid": f"{price if paid else 0:.2f}", "Amount Remaining": f"{0 if paid else price:.2f}",
                "Attempt Count": 1, "Attempted": "true", "Billing": "charge_automatically", "Closed": str(paid).lower(),
                "Currency": "usd", "Date (UTC)": when.strftime("%Y-%m-%d %H:%M"),
                "Due Date (UTC)": "", "Number": f"{customer[4:12].upper()}-{month + 1:04d}", "Paid": str(paid).lower(),
                "Status": status, "Subscription": f"sub_{customer[4:]}", "Subtotal": f"{price:.2f}", "Tax": "0.00",
                "Total": f"{price:.2f}", "Paid At (UTC)": (when + pd.Timedelta(minutes=3)).strftime("%Y-%m-%d %H:%M")
                if paid else "",
            })
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8")


def crm_customers_csv(*, n: int = 240, seed: int = 17) -> bytes:
    """HubSpot companies / ChartMogul customers style: Record ID, "Create Date", "Customer since", MRR, Status."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2022-01-10 09:21") + pd.to_timedelta(np.sort(rng.integers(0, 700 * 1440, n)), unit="m")
    since = created + pd.to_timedelta(rng.integers(3, 60, n), unit="D")
    employees = np.round(rng.lognormal(3.5, 1.2, n)).astype(int) + 1
    mrr = np.round(np.clip(employees * rng.uniform(4, 12, n), 29, None), 2)
    status = rng.choice(["Active", "Cancelled", "Past Due"], n, p=[0.72, 0.22, 0.06])
    frame = pd.DataFrame({
        "Record ID": 5_100_000_000 + rng.choice(10_000_000, n, replace=False),
        "Company name": [f"Company {i} {s}" for i, s in enumerate(rng.choice(["GmbH", "Ltd", "Inc.", "SAS"], n))],
        "Company Domain Name": [f"company{i}.example" for i in range(n)],
        "Create Date": created.strftime("%Y-%m-%d %H:%M"),
        "Industry": rng.choice(["COMPUTER_SOFTWARE", "RETAIL", "HOSPITAL_HEALTH_CARE", "MARKETING_AND_ADVERTISING"], n),
        "Country/Region": rng.choice(["Germany", "United States", "France", "United Kingdom"], n),
        "Annual Revenue": np.round(employees * rng.uniform(50_000, 150_000, n), -3),
        "Number of Employees": employees,
        "Lifecycle Stage": rng.choice(["customer", "customer", "evangelist", "opportunity"], n),
        "MRR": mrr,
        "Customer since": since.strftime("%Y-%m-%d"),
        "Status": status,
        "Last Activity Date": (since + pd.to_timedelta(rng.integers(0, 200, n), unit="D")).strftime("%Y-%m-%d %H:%M"),
    })
    return frame.to_csv(index=False).encode("utf-8")


def stripe_payments_csv() -> bytes:
    """Stripe "Payments" export, hand-written: amounts with thousands separators in four currencies, the
    amount converted to the account's currency, a refund in full, a partial refund and a failed charge.

    Revenue in USD: cus_A 1,200 + 100 (15,000 JPY) = 1,300; cus_B 0 (refunded) + 108 x (1 - 33/99) = 72
    (the failed charge counts nothing); cus_C 36.
    """
    header = ["id", "Description", "Created date (UTC)", "Amount", "Amount Refunded", "Currency", "Converted Amount",
              "Converted Currency", "Fee", "Status", "Customer ID", "Customer Email", "Card Brand"]
    rows = [
        ["ch_3OaA1", "Subscription update", "2024-01-03 10:00:00", "1,200.00", "0.00", "usd", "1,200.00", "usd",
         "35.10", "Paid", "cus_A", "a@x.io", "Visa"],
        ["ch_3OaA2", "Subscription update", "2024-02-03 10:00:00", "15,000", "0.00", "jpy", "100.00", "usd", "3.20",
         "Paid", "cus_A", "a@x.io", "Visa"],
        ["ch_3OaB1", "Subscription update", "2024-01-05 11:00:00", "99.00", "99.00", "eur", "108.00", "usd", "3.17",
         "Refunded", "cus_B", "b@y.io", "MasterCard"],
        ["ch_3OaB2", "Subscription update", "2024-02-05 11:00:00", "99.00", "33.00", "eur", "108.00", "usd", "3.17",
         "Paid", "cus_B", "b@y.io", "MasterCard"],
        ["ch_3OaB3", "Subscription update", "2024-03-05 11:00:00", "99.00", "0.00", "eur", "108.00", "usd", "3.17",
         "Failed", "cus_B", "b@y.io", "MasterCard"],
        ["ch_3OaC1", "Subscription update", "2024-01-09 09:00:00", "29.00", "0.00", "gbp", "36.00", "usd", "1.14",
         "Paid", "cus_C", "c@z.io", "Visa"],
    ]
    return pd.DataFrame(rows, columns=header).to_csv(index=False).encode("utf-8")


def accounts_parquet(*, n: int = 40, seed: int = 23) -> bytes:
    """A warehouse accounts table: int ids, a time-zoned signup, a churn flag and ARR in USD (no MRR)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "account_id": np.arange(1, n + 1, dtype="int64"),
        "signup_ts": pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 600, n), unit="D"),
        "is_churned": rng.random(n) < 0.2,
        "arr_usd": np.round(rng.lognormal(9, 1, n), 2),
        "weekly_active_users": rng.poisson(12, n),
    })
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def kunden_csv() -> bytes:
    """A German CRM export: semicolons, Windows-1252, dd.mm.yyyy, decimal commas and German headers."""
    lines = ["Kundennummer;Firma;Branche;Vertragsbeginn;Kündigung zum;Monatsumsatz (EUR);Anzahl Nutzer;Tarif",
             "K-00001;Müller & Söhne KG;Logistik;29.09.2024;;1.629,80;34;Profi",
             "K-00002;Bäckerei Groß GmbH;Einzelhandel;27.01.2024;19.07.2024;983,38;118;Enterprise",
             "K-00003;Schäfer AG;Maschinenbau;03.11.2023;;49,00;5;Basis",
             "K-00004;Weiß & Co.;Logistik;15.02.2024;31.12.2024;99,50;12;Basis"]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def uk_invoices_csv() -> bytes:
    """A UK accounting export: monthly invoices dated dd/mm/yyyy on the 1st, "Net (GBP)" and a zero VAT."""
    rows = [("INV-000001", "ACC0001", "01/01/2024", "49.00"), ("INV-000002", "ACC0001", "01/02/2024", "249.00"),
            ("INV-000003", "ACC0002", "01/01/2024", "99.00"), ("INV-000004", "ACC0002", "01/02/2024", "99.00"),
            ("INV-000005", "ACC0002", "01/03/2024", "99.00"), ("INV-000006", "ACC0003", "01/03/2024", "49.00")]
    lines = ["Invoice Number,Account Ref,Invoice Date,Net (GBP),VAT"] + [",".join(r) + ",0.00" for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def paddle_transactions_csv() -> bytes:
    """Paddle Billing "Transactions" export, hand-written: Total (tax included) in EUR, GBP and JPY, Earnings (net
    of tax and Paddle's fee) in the one balance currency USD, zero for a past-due transaction.

    Revenue in USD (Earnings): ctm_1 28 + 28 = 56; ctm_2 9 (its past-due row earned 0); ctm_3 40.
    """
    header = ["Transaction ID", "Status", "Customer ID", "Customer Email", "Subscription ID", "Origin", "Billed At",
              "Currency Code", "Subtotal", "Tax", "Total", "Balance Currency", "Fee", "Earnings"]
    rows = [
        ["txn_01", "completed", "ctm_1", "a@x.io", "sub_1", "web", "2024-01-22T08:22:26.000000Z", "EUR", "27.78",
         "5.56", "33.34", "USD", "2.0", "28.0"],
        ["txn_02", "completed", "ctm_1", "a@x.io", "sub_1", "subscription_recurring", "2024-02-22T04:21:09.000000Z",
         "EUR", "27.78", "5.56", "33.34", "USD", "2.0", "28.0"],
        ["txn_03", "completed", "ctm_2", "b@y.io", "sub_2", "web", "2024-01-10T11:00:00.000000Z", "JPY", "1500",
         "300", "1800", "USD", "1.0", "9.0"],
        ["txn_04", "past_due", "ctm_2", "b@y.io", "sub_2", "subscription_recurring", "2024-02-10T11:00:00.000000Z",
         "JPY", "1500", "300", "1800", "USD", "1.0", "0.0"],
        ["txn_05", "completed", "ctm_3", "c@z.io", "sub_3", "web", "2024-03-01T09:30:00.000000Z", "GBP", "35.00",
         "7.00", "42.00", "USD", "4.0", "40.0"],
    ]
    return pd.DataFrame(rows, columns=header).to_csv(index=False).encode("utf-8")


def zuora_invoices_csv() -> bytes:
    """Zuora invoices: ISO timestamps, a Balance left to pay, and Status Posted, Draft (not issued) or Canceled.

    Revenue (Posted only): A00000000 120 + 120 = 240; A00000001 99.
    """
    rows = [("A00000000", "Acct 0", "INV00000000", "2023-04-06", "120.0", "0.0", "Posted"),
            ("A00000000", "Acct 0", "INV00000001", "2023-05-06", "1500.0", "1500.0", "Draft"),
            ("A00000000", "Acct 0", "INV00000002", "2023-06-06", "480.0", "480.0", "Canceled"),
            ("A00000000", "Acct 0", "INV00000003", "2023-07-06", "120.0", "120.0", "Posted"),
            ("A00000001", "Acct 1", "INV00000004", "2023-04-09", "99.0", "0.0", "Posted")]
    lines = ["Account Number,Account Name,Invoice Number,Invoice Date,Due Date,Amount,Balance,Status,Currency"]
    lines += [f"{a},{n},{i},{d}T00:00:00.000Z,{d}T00:00:00.000Z,{amount},{balance},{status},USD"
              for a, n, i, d, amount, balance, status in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def hubspot_deals_csv() -> bytes:
    """HubSpot "Deals" export: Record ID (the deal), Deal Stage, the company in "Associated Company IDs".

    Won revenue: company 5000000 40,000; 5000001 7,000 + 3,500 = 10,500; 5000002 has no won deal.
    """
    rows = [("8000000000", "Company 0 - deal 0", "Closed won", "40000.0", "2023-12-05 00:00", "5000000", "Company 0"),
            ("8000000001", "Company 0 - deal 1", "Closed lost", "12000.0", "2024-10-21 00:00", "5000000", "Company 0"),
            ("8000000002", "Company 1 - deal 0", "Closed won", "7000.0", "2024-02-01 00:00", "5000001", "Company 1"),
            ("8000000003", "Company 1 - deal 1", "Contract sent", "9000.0", "2024-11-30 00:00", "5000001",
             "Company 1"),
            ("8000000004", "Company 1 - deal 2", "Closed won", "3500.0", "2024-06-15 00:00", "5000001", "Company 1"),
            ("8000000005", "Company 2 - deal 0", "Appointment scheduled", "5000.0", "2024-12-10 00:00", "5000002",
             "Company 2")]
    lines = ["Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Pipeline,Deal owner,Associated Company,"
             "Associated Company IDs,Deal Type"]
    lines += [f"{r},{name},{stage},{amount},{close},{close},Sales Pipeline,Ann,{company},{ids},New Business"
              for r, name, stage, amount, close, ids, company in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def chargebee_customers_csv() -> bytes:
    """Chargebee customers export: every header prefixed "customers.", the id beside the email."""
    lines = ["customers.id,customers.first_name,customers.last_name,customers.email,customers.company,"
             "customers.created_at,customers.billing_address.country,customers.cf_employees"]
    lines += [f"AzZ{i:05d}cb,F{i},L{i},user{i}@co{i}.com,Company {i},2024-01-{1 + i:02d},{['DE', 'US', 'GB'][i % 3]},"
              f"{10 + 7 * i}" for i in range(6)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def recurly_subscriptions_csv() -> bytes:
    """Recurly subscriptions: account_code, a plan_code and plan_name, and state active / canceled / expired /
    future (future: starts later, not churned)."""
    states = ["active", "canceled", "active", "expired", "future", "active"]
    lines = ["subscription_id,account_code,plan_code,plan_name,state,quantity,unit_amount,currency"]
    lines += [f"541b1b2f7b50{i:04d},acct-{i},{['basic-monthly', 'pro-annual'][i % 2]},"
              f"{['Basic Monthly', 'Pro Annual'][i % 2]},{state},{1 + i},{[19.0, 790.0][i % 2]},USD"
              for i, state in enumerate(states)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def customer_personality_csv(*, n: int = 240, seed: int = 29) -> bytes:
    """Kaggle "Customer Personality Analysis" (marketing_campaign.csv), cut down: `;` separated, Dt_Customer as
    dd-mm-yyyy, spending, the last campaigns' AcceptedCmp flags and Response (0/1), which richer customers give
    more often. No churn at all: the outcome is a campaign response."""
    rng = np.random.default_rng(seed)
    income = rng.normal(52000, 20000, n).clip(5000, None).round()
    wines = rng.gamma(1, 300, n).round()
    respond = rng.random(n) < np.where(income > 60000, 0.3, 0.06)
    joined = pd.Timestamp("2012-07-30") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    frame = pd.DataFrame({
        "ID": rng.choice(np.arange(0, 11200), size=n, replace=False), "Year_Birth": rng.integers(1940, 1996, n),
        "Education": rng.choice(["Graduation", "PhD", "Master", "Basic", "2n Cycle"], n),
        "Income": income.astype(int), "Kidhome": rng.integers(0, 3, n), "Dt_Customer": joined.strftime("%d-%m-%Y"),
        "Recency": rng.integers(0, 100, n), "MntWines": wines.astype(int), "NumWebVisitsMonth": rng.integers(0, 10, n),
        "AcceptedCmp3": (rng.random(n) < 0.07).astype(int), "AcceptedCmp1": (rng.random(n) < 0.06).astype(int),
        "Complain": (rng.random(n) < 0.01).astype(int), "Response": respond.astype(int),
    })
    return frame.to_csv(index=False, sep=";").encode("utf-8")
