"""What columns are called: the name lists behind role guessing and cleaning, and how a name is read.

A column name is normalised ("Sign-up Date" -> "sign_up_date", "InvoiceDate" -> "invoice_date",
"Net (GBP)" -> "net") and split into words before any list is consulted; `money_column` is the one
guess of a money column by its name.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pandas as pd

__all__ = [
    "money_column",
    "ACRONYMS",
]

# Words people write in capitals, whatever case a column name or a role key has them in ("mrr" -> "MRR"):
# the one list behind the labels of variables (`profiles.label_of`) and of roles (`roles.role_label`).
ACRONYMS = {"mrr": "MRR", "arr": "ARR", "nps": "NPS", "ltv": "LTV", "arpa": "ARPA", "csat": "CSAT", "api": "API",
            "id": "ID", "crm": "CRM"}


# Name fragments, checked against a normalised column name ("Sign-up Date" -> "sign_up_date",
# "InvoiceDate" -> "invoice_date", "Kündigung zum" -> "kundigung_zum", "Net (GBP)" -> "net"). Earlier
# names win over later ones; an exact name wins over a name that only starts or ends with one
# ("order_purchase_timestamp" ends with "purchase_timestamp"). Each role lists English names first, then
# German, French and Spanish ones, held to the same precision: a name says the role, not just a topic.
_ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_unique_id", "customer_id", "customerid", "cust_id", "account_id", "accountid",
                    "client_id", "user_id", "distinct_id", "subscriber_id", "member_id", "contact_id", "buyer_id",
                    "customer_number", "customer_no", "client_number", "account_number", "customer_code",
                    "account_code", "client_code", "kundennummer", "customer", "account", "company_id",
                    "company_ids", "associated_company_id", "associated_company_ids", "id",
                    # de / fr / es
                    "kundennr", "kunden_nr", "kunden_id", "kd_nr", "kundenid", "kunde", "numero_client",
                    "numero_de_client", "num_client", "no_client", "code_client", "id_client", "identifiant_client",
                    "client", "numero_cliente", "numero_de_cliente", "num_cliente", "nro_cliente", "id_cliente",
                    "codigo_cliente", "codigo_de_cliente", "cliente_id", "cliente",
                    # an email names a person, and changes: taken only when no column is an id (_EMAIL_NAMES)
                    "customer_email", "email", "email_address", "e_mail", "correo", "correo_electronico",
                    "courriel"),
    "company": ("company", "company_name", "account_name", "organisation", "organization", "org_name", "customer_name",
                "name",
                "firma", "firmenname", "unternehmen", "kundenname", "societe", "entreprise", "raison_sociale",
                "nom_entreprise", "nom_de_l_entreprise", "nom_client", "empresa", "razon_social", "nombre_empresa",
                "nombre_de_la_empresa", "nombre_cliente", "nombre_del_cliente", "nom", "nombre"),
    "signup_date": ("signup_date", "sign_up_date", "signup", "signed_up", "customer_since", "became_a_customer_date",
                    "created_at", "created", "create_date", "created_date", "date_created", "creation_date",
                    "registered", "registration_date", "join_date", "joined", "start_date", "subscription_start",
                    "first_seen", "activated_at", "activation_date", "activated_on",
                    "kunde_seit", "kunden_seit", "vertragsbeginn", "vertragsstart", "beginn", "startdatum",
                    "anmeldedatum", "anmeldung", "registrierungsdatum", "registriert_am", "erstellt_am",
                    "angelegt_am", "client_depuis", "date_d_inscription", "date_inscription", "inscription",
                    "inscrit_le", "date_de_debut", "date_debut", "debut_contrat", "debut_du_contrat",
                    "date_de_creation", "date_creation", "cliente_desde", "fecha_de_alta", "fecha_alta",
                    "fecha_de_registro", "fecha_registro", "fecha_de_inicio", "fecha_inicio", "fecha_de_creacion",
                    "fecha_creacion", "inicio_contrato"),
    "trial_start": ("trial_start", "trial_started", "trial_date", "trial_begin", "free_trial_started",
                    "testbeginn", "testphase_beginn", "beginn_testphase", "debut_essai", "debut_de_l_essai",
                    "date_debut_essai", "inicio_prueba", "fecha_inicio_prueba", "inicio_de_prueba"),
    "converted": ("converted_to_paid", "converted", "is_paid", "paid", "conversion",
                  "konvertiert", "zahlend", "converti", "convertido", "de_pago"),
    "churn_date": ("churn_date", "churned_at", "churned_on", "churned_date", "date_churned", "cancel_date",
                   "cancelled_at", "canceled_at", "cancellation_date", "cancelled_date", "canceled_date", "end_date",
                   "ended_at", "cancelled", "canceled", "cancelled_on", "canceled_on", "cancellation", "churned",
                   "churn", "ended", "terminated", "closed_at", "lost_date",
                   "kundigung", "kundigung_zum", "kundigungsdatum", "gekundigt_am", "gekundigt", "vertragsende",
                   "enddatum", "austritt", "austrittsdatum", "abgewandert_am", "date_de_resiliation",
                   "date_resiliation", "resiliation", "resilie_le", "resilie", "date_de_fin", "date_fin",
                   "fin_de_contrat", "fin_contrat", "fecha_de_baja", "fecha_baja", "baja", "fecha_de_cancelacion",
                   "fecha_cancelacion", "cancelacion", "fecha_de_fin", "fecha_fin", "fin_contrato"),
    "transaction_date": ("invoice_date", "order_date", "transaction_date", "payment_date", "purchase_date",
                         "order_purchase_timestamp", "purchase_timestamp", "date_utc", "created_utc", "paid_at",
                         "paid_on", "paid_date", "date_paid", "invoiced_on", "invoiced_at", "billing_date", "billed_on",
                         "billed_at", "billed_date",
                         "charged_at", "created_at", "order_created_at", "created", "transaction_timestamp",
                         "order_timestamp", "timestamp", "date", "day",
                         "rechnungsdatum", "bestelldatum", "zahlungsdatum", "kaufdatum", "buchungsdatum",
                         "belegdatum", "datum", "date_de_facture", "date_facture", "date_de_commande", "date_commande",
                         "date_de_paiement", "date_paiement", "date_d_achat", "date_achat", "fecha_de_factura",
                         "fecha_factura", "fecha_de_pedido", "fecha_pedido", "fecha_de_pago", "fecha_pago",
                         "fecha_de_compra", "fecha_compra", "fecha"),
    "amount": ("amount_net", "amount", "amount_paid", "total_amount", "payment_value", "payment_amount", "revenue",
               "total", "invoice_total", "order_total", "grand_total", "line_total", "order_value", "net_sales",
               "gross_sales", "net_amount", "gross_amount", "sales", "subtotal", "sub_total", "value", "paid",
               "net", "gross",
               "betrag", "gesamtbetrag", "rechnungsbetrag", "zahlbetrag", "bruttobetrag", "nettobetrag", "umsatz",
               "summe", "gesamt", "brutto", "netto", "montant", "montant_total", "montant_ttc", "montant_ht",
               "montant_paye", "total_ttc", "total_ht", "importe", "importe_total", "importe_pagado", "monto",
               "monto_total", "total_factura"),
    "order_id": ("invoice_id", "order_id", "transaction_id", "invoice_number", "order_number", "invoice_no",
                 "invoiceno", "order_no", "orderno", "invoice_num", "order_num", "transaction_number",
                 "transaction_no", "payment_id", "charge_id", "receipt_number", "receipt_no", "invoice", "order", "id",
                 "rechnungsnummer", "rechnungsnr", "rechnung_nr", "rechnungs_nr", "bestellnummer", "bestellnr",
                 "bestell_nr", "auftragsnummer", "belegnummer", "rechnung", "bestellung", "numero_de_facture",
                 "numero_facture", "num_facture", "no_facture", "n_facture", "numero_de_commande", "numero_commande",
                 "no_commande", "facture", "commande", "numero_de_factura", "numero_factura", "num_factura",
                 "nro_factura", "numero_de_pedido", "numero_pedido", "num_pedido", "factura", "pedido"),
    "mrr": ("mrr", "monthly_recurring_revenue", "monthly_revenue", "monthly_charges", "monthly_charge", "monthly_fee",
            "monthly_fees", "monthly_amount", "monthly_price", "monthly_payment", "monthly_spend",
            "monatsumsatz", "monatlicher_umsatz", "monatsbeitrag", "monatlicher_beitrag", "monatsgebuhr",
            "monatliche_gebuhr", "monatlicher_betrag", "monatsbetrag", "monatspreis", "revenu_mensuel",
            "revenus_mensuels", "chiffre_d_affaires_mensuel", "ca_mensuel", "montant_mensuel", "abonnement_mensuel",
            "mensualite", "ingreso_mensual", "ingresos_mensuales", "cuota_mensual", "importe_mensual",
            "facturacion_mensual", "pago_mensual"),
    "plan": ("plan", "plan_name", "tier", "pricing_plan", "subscription_plan", "package", "edition",
             "tarif", "paket", "abo", "abonnement", "formule", "offre", "forfait", "plan_tarifaire", "tarifa",
             "suscripcion", "paquete"),
    "event_date": ("event_date", "activity_date", "date", "day", "timestamp", "event_time", "occurred_at",
                   "datum", "fecha", "time", "ts", "datetime", "created_at", "received_at"),
    "event_count": ("sessions", "session_count", "events", "event_count", "count", "visits", "actions", "logins",
                    "sitzungen", "besuche", "visites", "visitas", "sesiones"),
    "outcome": ("churned", "is_churned", "has_churned", "churn", "churn_flag", "churn_label", "churn_value", "exited",
                "lost", "gekundigt", "abgewandert", "resilie", "dado_de_baja", "abandono",
                # a campaign's response (Kaggle's Customer Personality "Response"): an outcome of another kind
                "response", "responded", "campaign_response"),
    # What an invoice pays for (Stripe's line item "Period Start", Chargebee's "Date From"): it is spread over it.
    "service_start": ("service_start", "service_start_date", "service_period_start", "service_from", "period_start",
                      "period_from", "date_from", "coverage_start", "leistungsbeginn", "leistungszeitraum_von",
                      "debut_periode", "inicio_periodo"),
    "service_end": ("service_end", "service_end_date", "service_period_end", "service_to", "period_end", "period_to",
                    "date_to", "coverage_end", "leistungsende", "leistungszeitraum_bis", "fin_periode",
                    "fin_periodo"),
    "billing_period": ("billing_period", "billing_interval", "billing_cycle", "billing_frequency", "plan_interval",
                       "interval", "period_months", "service_months", "months_covered", "abrechnungszeitraum",
                       "abrechnungsintervall", "periodicite", "periodicidad"),
    # Months as a customer (IBM Telco's "tenure", 0-72); a bare "tenure" only when its values fit months.
    "tenure_months": ("tenure_months", "tenure_in_months", "months_tenure", "tenure_month", "months_as_customer",
                      "months_as_a_customer", "customer_months", "months_active", "active_months",
                      "months_subscribed", "subscription_months", "lifetime_months", "account_age_months",
                      "tenure", "tenure_length", "customer_tenure", "account_tenure",
                      "vertragsmonate", "kundenmonate", "monate_als_kunde", "laufzeit_monate", "anciennete_mois",
                      "anciennete", "mois_client", "antiguedad_meses", "antiguedad", "meses_cliente",
                      "meses_como_cliente"),
}
# Column names this module makes; "amount (net)" is named for the role it takes ("amount_net" ranks first).
NET_AMOUNT = "amount (net)"
# Annual money (ARR, ACV, a yearly fee) is never MRR; a name that also says monthly ("mrr (from arr)") is.
_ANNUAL_WORDS = frozenset({"arr", "acv", "annual", "annually", "annualized", "annualised", "yearly", "year", "years",
                           "jahr", "jahrlich", "jahrliche", "jahrlicher", "annuel", "annuelle", "anual", "anuales"})
_MONTHLY_WORDS = frozenset({"mrr", "month", "monthly", "monat", "monatlich", "monatliche", "monatlicher", "mensuel",
                            "mensuelle", "mensual", "mensuales", "mensualite"})
# Of an annual amount, these say it is what the customer pays us, not what the company earns ("Annual Revenue").
_PAID_WORDS = frozenset({"recurring", "contract", "fee", "fees", "price", "charge", "charges", "amount", "payment",
                         "subscription", "billing", "spend", "plan", "beitrag", "gebuhr", "abo", "vertrag"})
_ANNUAL_NAMES = ("arr", "annual_recurring_revenue", "acv", "annual_contract_value", "jahresbeitrag",
                 "jahresgebuhr", "jahresabo", "jahresvertragswert", "jahrespreis")
# Payments: a status saying the money never came, a full refund, the currency, refunds and a settled amount.
_STATUS_NAMES = ("status", "payment_status", "financial_status", "charge_status", "invoice_status",
                 "transaction_status", "order_status", "state", "payment_state", "zahlungsstatus", "statut",
                 "statut_du_paiement", "estado", "estado_del_pago")
_FAILED_STATUSES = frozenset({"failed", "failure", "fail", "declined", "void", "voided", "uncollectible",
                              "payment_failed", "fehlgeschlagen", "abgelehnt", "echoue", "echec", "refuse", "rechazado",
                              "fallido"})
# Never billed: a draft, a cancelled invoice, a lost deal. ("pending" is money on its way, and counts.)
_UNBILLED_STATUSES = frozenset({"draft", "canceled", "cancelled", "closed_lost", "closedlost", "lost", "entwurf",
                                "storniert", "brouillon", "annule", "annulee", "borrador", "cancelado", "anulado"})
# A deals export ("Deal Stage", Pipedrive's "Deal - Status", Salesforce's "Stage"): only won deals are revenue.
_STAGE_NAMES = ("deal_stage", "dealstage", "stage", "stage_name", "opportunity_stage", "sales_stage", "pipeline_stage",
                "deal_status", "opportunity_status", "pipeline", "phase", "deal_phase", "verkaufsphase", "etape",
                "etapa")
_WON_STAGES = frozenset({"closed_won", "closedwon", "won", "gewonnen", "gagne", "ganado"})
_LOST_STAGES = frozenset({"closed_lost", "closedlost", "lost", "verloren", "perdu", "perdido"})
_REFUNDED_STATUSES = frozenset({"refunded", "fully_refunded", "erstattet", "zuruckerstattet", "rembourse",
                                "reembolsado"})
# A row that is itself money handed back (DESIGN, "Transactions: what counts"): its type or status says so.
# "refunded" (a payment later refunded) is a status of the payment and is handled above; "credit" alone
# is a ledger side, and "canceled" an invoice never billed, so neither is here.
_RETURN_TYPE_NAMES = ("type", "transaction_type", "document_type", "doc_type", "invoice_type", "record_type",
                      "entry_type", "line_type", "order_type", "kind", "transaction_kind", "belegart", "buchungsart",
                      "dokumententyp", "type_de_document", "type_de_piece", "tipo", "tipo_de_documento",
                      "tipo_documento", *_STATUS_NAMES)
_RETURN_WORDS = frozenset({"refund", "refunds", "return", "returns", "credit_note", "credit_notes", "creditnote",
                           "credit_memo", "creditmemo", "chargeback", "charge_back", "reversal", "cancellation",
                           "payment_refund", "refund_receipt", "sales_return", "return_order", "gutschrift",
                           "storno", "stornierung", "retoure", "rucksendung", "erstattung", "avoir", "remboursement",
                           "retour", "note_de_credit", "devolucion", "reembolso", "nota_de_credito"})
_CURRENCY_NAMES = ("currency", "currency_code", "curr", "ccy", "wahrung", "devise", "moneda", "divisa")
_REFUND_NAMES = ("amount_refunded", "refunded_amount", "refund_amount", "total_refunded", "refunded_total",
                 "refunds", "refunded", "refund", "erstattet", "erstattungsbetrag", "montant_rembourse", "rembourse",
                 "importe_reembolsado", "reembolso")
_CONVERTED_REFUND_NAMES = ("converted_amount_refunded", "amount_refunded_converted", "converted_refunded",
                           "converted_refund_amount")
_CONVERTED_NAMES = ("converted_amount", "amount_converted", "converted", "amount_usd", "usd_amount", "amount_in_usd",
                    "amount_eur", "eur_amount", "amount_in_eur", "amount_gbp", "gbp_amount", "amount_in_gbp",
                    "settled_amount", "amount_settled", "settlement_amount", "settled", "net", "net_amount",
                    "base_amount", "amount_base", "amount_in_base_currency", "reporting_amount",
                    # Paddle: what the seller earns, net of tax and fees, in its one balance currency
                    "earnings", "balance_earnings", "net_earnings", "balance_net")
# Units a header may carry: "Monatsumsatz (EUR)", "Net (GBP)", "Revenue [$]", "Umsatz in €".
_CURRENCY_CODES = frozenset({"eur", "usd", "gbp", "chf", "jpy", "cad", "aud", "nzd", "sek", "nok", "dkk", "pln",
                             "czk", "huf", "inr", "brl", "mxn", "cny", "hkd", "sgd", "zar", "ars", "clp", "cop"})
_UNIT = re.compile(r"\s*[(\[]\s*(?:in\s+)?([A-Za-z]{3}|[€$£¥₹])\s*[)\]]|\s+in\s+([€$£¥₹])\s*$")

# In a transactions or events table a bare "id" names the row (the invoice, the event), not the customer.
_ROW_NAMES = ("id",)
# An email is the customer only when no column is an id: "customers.email" beside "customers.id" is not.
_EMAIL_NAMES = ("customer_email", "email", "email_address", "e_mail", "correo", "correo_electronico", "courriel")
# "Deal Name", "plan_name", "first_name" end like "name" but never name the company.
_NOT_COMPANY_WORDS = frozenset({"plan", "product", "item", "sku", "tier", "package", "edition", "price", "coupon",
                                "addon", "variant", "deal", "campaign", "event", "page", "file", "feature", "owner",
                                "stage", "pipeline", "first", "last", "given", "family", "middle", "nick"})
# A customers table's status ("Status", "state", "Subscription Status"): the outcome when its values say
# churned or not (Active / Cancelled, active / canceled / expired), never a variable to segment by.
_CUSTOMER_STATUS_NAMES = ("status", "state", "account_status", "customer_status", "subscription_status",
                          "subscription_state", "churn_status", "statut", "estado", "kundenstatus")
# Words of a tenure column's name that say its unit is not months ("tenure_days" is the customer table's own).
_NOT_MONTHS_WORDS = frozenset({"day", "days", "week", "weeks", "year", "years", "hour", "hours", "minutes", "seconds",
                               "tage", "jahre", "jours", "ans", "annees", "dias", "anos"})
# Name words of an outcome column, read for its kind (outcomes.infer_outcome_kind): churn first, as most are.
_OUTCOME_KIND_WORDS: dict[str, frozenset[str]] = {
    "churn": frozenset({"churn", "churned", "churning", "cancel", "cancelled", "canceled", "cancellation", "exited",
                        "exit", "attrition", "attrited", "lost", "left", "terminated", "ended", "inactive", "status",
                        "state", "retained", "retention", "active", "gekundigt", "abgewandert", "kundigung",
                        "resilie", "resiliation", "baja", "abandono", "cancelado"}),
    "conversion": frozenset({"converted", "conversion", "convert", "paid", "paying", "upgraded", "upgrade",
                             "purchased", "won", "subscribed", "konvertiert", "zahlend", "converti", "convertido"}),
    "response": frozenset({"response", "responded", "respond", "responses", "accepted", "accept", "campaign", "cmp",
                           "replied", "reply", "clicked", "redeemed", "antwort", "reponse", "respuesta"}),
}
_MIN_STATUS_WORDS = 0.9  # share of filled cells that must be churn words: a US "state" column never is
# Words that make a column a part of a payment (a unit price, a tax, a refund) or a count, never the amount
# paid ("Discount Amount", "total_weight"); "fee" is money for MRR ("monthly_fee") but a deduction from a payment.
_NOT_MONEY_WORDS = frozenset({
    "unit", "each", "tax", "taxes", "vat", "shipping", "freight", "discount", "discounts", "refund", "refunded",
    "remaining", "balance", "commission", "installments", "installment", "sequential", "quantity", "qty", "count",
    "rate", "percent", "pct", "share", "compare", "cost", "tip", "weight", "items", "orders", "lines", "days",
    "points", "score", "margin",
})
_NOT_AMOUNT_WORDS = _NOT_MONEY_WORDS | {"fee", "fees"}
# Words that make a column money, never a key.
_MONEY_WORDS = frozenset({"amount", "total", "subtotal", "value", "price", "revenue", "sales", "paid", "cost", "tax",
                          "fee", "mrr", "arr", "charges", "balance", "net", "gross", "betrag", "umsatz", "summe",
                          "preis", "montant", "prix", "importe", "monto", "precio"})
_MONEY_STEMS = ("betrag", "umsatz", "summe", "preis", "gebuhr")  # German compounds: "Rechnungsbetrag"
_ID_WORDS = frozenset({"id", "ids", "no", "nr", "number", "code", "key", "uuid", "guid", "sku", "zip",
                       "postcode", "postal", "phone", "ref", "nummer", "numero", "codigo"})
# "Quantity x unit price" when a transactions table has lines but no amount (UCI Online Retail).
_QUANTITY_NAMES = ("quantity", "qty", "units", "quantity_ordered", "qty_ordered", "item_quantity", "unit_count",
                   "number_of_units")
_UNIT_PRICE_NAMES = ("unit_price", "unitprice", "price_each", "price_per_unit", "item_price", "sale_price",
                     "selling_price", "price")
_ORDER_NUMBER = r"^#[A-Za-z0-9-]*[0-9][A-Za-z0-9-]*$"  # Shopify's order "Name": #1001
_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "firmographic": ("industry", "employee", "size", "country", "region", "city", "state", "vertical", "sector",
                     "company", "headcount", "location", "market"),
    "behavioural": ("login", "session", "active", "usage", "feature", "event", "visit", "click", "frequency",
                    "recency", "days", "adopt", "use", "orders", "channel", "source"),
    "value": ("mrr", "arr", "revenue", "amount", "ltv", "plan", "price", "monetary", "spend", "seat", "tier",
              "discount", "value", "paid", "umsatz", "betrag", "tarif", "montant", "importe", "ingreso", "revenu"),
    "needs": ("goal", "need", "use_case", "ticket", "support", "reason", "theme", "request", "pain"),
    "technographic": ("integration", "platform", "os", "browser", "device", "tech", "api", "stack", "crm", "sdk"),
    "psychographic": ("nps", "satisfaction", "survey", "attitude", "csat", "sentiment", "score", "persona"),
}
_BOOLEAN_VALUES = {"yes", "no", "true", "false", "y", "n", "0", "1", "t", "f", "ja", "nein", "oui", "non", "si",
                   "sí"}
# Words of a name that make a number a date or a time, not a measure ("Start Date" read as 45522).
_DATE_WORDS = frozenset({"date", "dates", "datum", "fecha", "timestamp", "year", "jahr"})


def _fold(text: str) -> str:
    """Letters without accents: "Kündigung" -> "Kundigung", "Société" -> "Societe", "Straße" -> "Strasse"."""
    text = text.replace("ß", "ss").replace("ẞ", "SS")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _strip_unit(text: str) -> str:
    """A header without its currency: "Monatsumsatz (EUR)" -> "Monatsumsatz"; "Logins (30d)" stays as it is."""
    def drop(match: re.Match) -> str:
        unit = match.group(1) or match.group(2)
        return "" if unit.lower() in _CURRENCY_CODES or not unit.isalpha() else match.group(0)

    stripped = _UNIT.sub(drop, text).strip()
    return stripped or text


@functools.lru_cache(maxsize=8192)  # asked about each column many times over: a wide file has thousands
def _normalise(name: str, *, units: bool = False) -> str:
    """snake_case words: "Sign-up Date" -> "sign_up_date", "InvoiceDate" -> "invoice_date", "customerID" ->
    "customer_id", "MRR" -> "mrr", "Kündigung zum" -> "kundigung_zum", "Net (GBP)" -> "net" ("net_gbp" with
    `units`). A Salesforce custom field's "__c" goes too: "Legacy_ID__c" -> "legacy_id"."""
    text = _fold(str(name).strip())
    text = re.sub(r"__c$", "", text)
    if not units:
        text = _strip_unit(text)
    text = re.sub(r"(?<![A-Z])([A-Z]{2,})s\b", r"\1S", text)  # a plural acronym: "IDs" is one word, not "I_Ds"
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)  # camelCase and PascalCase: a capital starts a word
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)  # an acronym before a word: "MRRGrowth" -> "MRR_Growth"
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _words(norm: str) -> set[str]:
    return set(norm.split("_"))


def _id_named(norm: str) -> bool:
    """The name says "identifier": "id", "customer_id", "invoice_no", "Record ID", "StockCode", "Kundennummer",
    "numero_client"."""
    return (norm == "id" or norm.endswith("_id") or norm in ("customerid", "accountid", "userid", "clientid")
            or norm.endswith("_number") or norm.endswith("_no") or norm.split("_")[-1] in _ID_WORDS
            or norm.endswith("nummer") or norm.split("_")[0] in ("numero", "nro", "codigo"))


def _money_named(norm: str) -> bool:
    words = _words(norm)
    return bool(words & _MONEY_WORDS) or any(word.endswith(_MONEY_STEMS) for word in words)


# Words that also name money paid when no column is called an amount: "Net (GBP)", "Charged".
_PAID_NAME_WORDS = frozenset({"charge", "charged", "payment", "gbp", "usd", "eur", "chf", "cad", "aud", "jpy"})


def money_column(frame: pd.DataFrame, *, exclude: set | frozenset = frozenset()) -> str | None:
    """The first numeric column named like money paid ("amount", "Net (GBP)", "Betrag"), not like a part of
    it (tax, discount, unit price, quantity); None when there is none. The one money-name guess: the kind
    detection and the loaders ask it."""
    for column in frame.columns:
        if column in exclude:
            continue
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        norm = _normalise(str(column), units=True)  # "Net (GBP)" -> net_gbp
        words = _words(norm)
        if (_money_named(norm) or words & _PAID_NAME_WORDS) and not words & _NOT_MONEY_WORDS:
            return str(column)
    return None


def _annual(norm: str) -> bool:
    """The name says per year ("arr_usd", "Annual Contract Value", "price_per_year", "Jahresbeitrag") and not
    also per month."""
    words = _words(norm)
    if words & _MONTHLY_WORDS or any(word.startswith(("monat", "mensu")) for word in words):
        return False
    return bool(words & _ANNUAL_WORDS) or any(word.startswith(("jahres", "jahrl")) for word in words)
