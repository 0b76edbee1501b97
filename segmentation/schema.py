"""Column roles: which column is the customer id, the dates, the money, and what every other column is.

`infer_roles` guesses from names and values; the user confirms or changes the guess in the
app (`RoleMap.with_role`, `RoleMap.with_category`). Guessing is conservative: a role is only
filled when a column's name and values both fit it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from .errors import DataError
from .outcomes import as_flag

__all__ = [
    "ROLES",
    "REQUIRED_ROLES",
    "ROLES_BY_KIND",
    "money_column",
    "LEVELS",
    "CATEGORIES",
    "KINDS",
    "ColumnInfo",
    "RoleMap",
    "infer_roles",
    "quality_summary",
    "with_derived_amount",
    "clean_transactions",
    "with_derived_mrr",
    "customers_from_transactions",
    "default_variables",
    "empty_share",
    "NET_AMOUNT",
    "currency_warning",
    "notes_for_amount",
]

KINDS = ("customers", "transactions", "events")

ROLES = (
    "customer_id",
    "company",
    "signup_date",
    "trial_start",
    "converted",
    "churn_date",
    "transaction_date",
    "amount",
    "order_id",
    "mrr",
    "plan",
    "event_date",
    "event_count",
    "outcome",
)
# Roles without which a table of each kind cannot be used (the one list: the Data page, the CLI and
# the customer table ask it).
REQUIRED_ROLES = {
    "customers": ("customer_id",),
    "transactions": ("customer_id", "transaction_date", "amount"),
    "events": ("customer_id", "event_date"),
}
# Roles that make sense per kind of table, in the order the app shows them.
ROLES_BY_KIND = {
    "customers": ("customer_id", "company", "signup_date", "trial_start", "converted", "churn_date", "mrr", "plan",
                  "outcome"),
    "transactions": ("customer_id", "transaction_date", "amount", "order_id"),
    "events": ("customer_id", "event_date", "event_count"),
}
LEVELS = ("numeric", "categorical", "date", "id", "text", "boolean")
CATEGORIES = ("firmographic", "behavioural", "value", "needs", "technographic", "psychographic")

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
                "lost", "gekundigt", "abgewandert", "resilie", "dado_de_baja", "abandono"),
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


@dataclass(frozen=True)
class ColumnInfo:
    """What one column is: its level of measurement, its variable category and its role."""

    name: str
    level: str
    category: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class RoleMap:
    """Role -> column for one table, plus a `ColumnInfo` for every column."""

    kind: str
    roles: Mapping[str, str] = field(default_factory=dict)
    columns: tuple[ColumnInfo, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))
        object.__setattr__(self, "columns", tuple(self.columns))

    def get(self, role: str) -> str | None:
        return self.roles.get(role)

    def column(self, name: str) -> ColumnInfo:
        for info in self.columns:
            if info.name == name:
                return info
        raise DataError(f"There is no column {name!r}; columns are: {', '.join(c.name for c in self.columns)}.")

    def with_role(self, role: str, column: str | None) -> RoleMap:
        """A copy where `role` points at `column` (None clears it).

        A column plays one role: giving it a new one frees the role it had (`with_role("mrr", "plan")`
        leaves the old MRR role empty), so a table never reads one column as two things.
        """
        if role not in ROLES:
            raise DataError(f"Unknown role {role!r}; roles are: {', '.join(ROLES)}.")
        roles = {r: c for r, c in self.roles.items() if r != role and (column is None or c != column)}
        if column is not None:
            self.column(column)  # validates the name
            roles[role] = column
        columns = tuple(
            replace(info, role=next((r for r, c in roles.items() if c == info.name), None)) for info in self.columns
        )
        return replace(self, roles=roles, columns=columns)

    def with_roles(self, roles: Mapping[str, str | None]) -> RoleMap:
        """A copy with each role in `roles` moved to its column, in order; roles naming a column this
        table lacks are skipped (a confirmed map applied to another file keeps what fits)."""
        names = {info.name for info in self.columns}
        out = self
        for role, column in roles.items():
            if column is None or column in names:
                out = out.with_role(role, column)
        return out

    def missing(self, required: Sequence[str] | None = None) -> tuple[str, ...]:
        """The roles this kind of table needs (`REQUIRED_ROLES`) that no column plays yet."""
        return tuple(role for role in (REQUIRED_ROLES[self.kind] if required is None else required)
                     if self.roles.get(role) is None)

    def with_category(self, column: str, category: str | None) -> RoleMap:
        if category is not None and category not in CATEGORIES:
            raise DataError(f"Unknown category {category!r}; categories are: {', '.join(CATEGORIES)}.")
        self.column(column)
        columns = tuple(replace(c, category=category) if c.name == column else c for c in self.columns)
        return replace(self, columns=columns)

    def candidates(self, *, levels: tuple[str, ...] = ("numeric", "categorical", "boolean")) -> list[str]:
        """Columns that can be segmentation variables: not an id, not a role that is a key or a date, and not
        the churn or conversion flag: segments built from the outcome they are judged by prove nothing."""
        keys = {self.roles.get(r) for r in ("customer_id", "company", "order_id", "outcome", "converted")}
        return [c.name for c in self.columns if c.level in levels and c.name not in keys]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "roles": dict(self.roles),
                "columns": [{"name": c.name, "level": c.level, "category": c.category, "role": c.role}
                            for c in self.columns]}


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


def _level(series: pd.Series, name: str) -> str:
    values = series.dropna()
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    n_unique = values.nunique()
    if values.empty:
        return "text"
    if n_unique <= 2 and set(values.astype(str).str.strip().str.lower()) <= _BOOLEAN_VALUES:
        return "boolean"
    id_named = _id_named(_normalise(name))
    if pd.api.types.is_numeric_dtype(series):
        if id_named and n_unique == len(values):
            return "id"
        return "numeric"
    text = values.astype(str)
    if id_named and n_unique >= 0.9 * len(values):
        return "id"
    # Many distinct short codes with digits (e.g. "00017", "C-1042") are identifiers, not categories.
    if n_unique == len(values) and len(values) > 20 and text.str.contains(r"\d").mean() > 0.9:
        return "id"
    limit = max(20, int(0.05 * len(values)))
    if n_unique <= limit:
        return "categorical"
    return "text"


def _category(name: str, level: str) -> str | None:
    if level in ("id", "date"):
        return None
    norm = _normalise(name)
    for category, words in _CATEGORY_WORDS.items():
        if any(word in norm for word in words):
            return category
    if level in ("numeric",):
        return "behavioural"
    if level in ("categorical", "boolean"):
        return "firmographic"
    return None


def _fits(role: str, level: str, series: pd.Series, norm: str = "") -> bool:
    """Can a column of this level (and name) hold the role? Money never takes a key, keys never take money."""
    if role.endswith("_date") or role == "trial_start":
        return level == "date"
    if role in ("amount", "mrr"):
        excluded = _NOT_AMOUNT_WORDS if role == "amount" else _NOT_MONEY_WORDS
        if role == "mrr" and _annual(norm):  # an ARR taken for the MRR makes every revenue figure 12 times too high
            return False
        return level == "numeric" and not _id_named(norm) and not _words(norm) & excluded
    if role == "event_count":
        return level == "numeric"
    if role == "customer_id":
        return level in ("id", "numeric", "text", "categorical") and not _money_named(norm)
    if role == "order_id":
        if _money_named(norm):
            return False
        if level == "numeric":  # an order number is a whole number; 12.5 is a measure
            values = series.dropna().to_numpy(dtype=float)
            return bool(len(values)) and bool((values == values.round()).all())
        if level == "categorical":  # few distinct values in a small file; "order_status" is not an order id
            return norm in _ROLE_NAMES["order_id"] or _id_named(norm) or _order_numbers(series)
        return level in ("id", "text")
    if role in ("converted", "outcome"):
        return level == "boolean"
    if role == "plan":
        return level == "categorical"
    if role == "company":
        return level in ("text", "categorical", "id") and not _words(norm) & _NOT_COMPANY_WORDS
    return True


def _match_score(norm: str, names: tuple[str, ...]) -> int:
    """Higher for earlier, exact names; 0 when no name fits."""
    best = 0
    for rank, candidate in enumerate(names):
        score = 0
        if norm == candidate:
            score = 1000 - rank
        elif norm.startswith(candidate + "_") or norm.endswith("_" + candidate):
            score = 500 - rank
        best = max(best, score)
    return best


def _names(role: str, kind: str) -> tuple[str, ...]:
    names = _ROLE_NAMES[role]
    if role == "customer_id" and kind != "customers":
        names = tuple(n for n in names if n not in _ROW_NAMES)
    return names


def _order_numbers(series: pd.Series) -> bool:
    """Text such as "#1001" in (nearly) every cell: a shop's order number, whatever the column is called."""
    values = series.dropna()
    if values.empty or pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return False
    return bool(values.astype(str).str.strip().str.fullmatch(_ORDER_NUMBER).mean() >= 0.95)


def _name_forms(column: str) -> list[str]:
    """A header's normalised forms: "customers.id" is also "id", as Chargebee and warehouse exports prefix the
    table ("invoices.customer_id", "customers.billing_address.country")."""
    forms = [_normalise(column)]
    match = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*(?:\.[A-Za-z_][A-Za-z0-9_ ]*)*\.([^.]+)", str(column).strip())
    if match and _normalise(match.group(1)):
        forms.append(_normalise(match.group(1)))
    return forms


def _role_score(role: str, kind: str, column: str, series: pd.Series) -> int:
    norm = _normalise(column)
    names = _names(role, kind)
    if role == "customer_id":
        ids = tuple(n for n in names if n not in _EMAIL_NAMES)
        score = max(max(_match_score(form, ids), _match_score(form, _EMAIL_NAMES) // 4)
                    for form in _name_forms(column))
    else:
        score = max(_match_score(form, names) for form in _name_forms(column))
    if role == "order_id" and norm in ("name", "order_name") and _order_numbers(series):
        score = max(score, 1000 - _ROLE_NAMES["order_id"].index("order_number"))
    if role == "amount" and norm == "price":
        score = 0  # a price is per unit unless the table has no quantity; infer_roles decides that
    if score and role == "customer_id" and kind == "customers" and not series.dropna().is_unique:
        score //= 10  # an id repeated in a customers table is more likely a foreign key
    if score and role == "transaction_date":
        # Of two date columns that fit, prefer the one filled in: "Paid at" is blank on unpaid orders and
        # on a shop's extra line-item rows, "Created at" never is.
        score = int(score * series.notna().mean())
    return score


def infer_roles(frame: pd.DataFrame, *, kind: str = "customers") -> RoleMap:
    """Guess roles, levels and categories for the columns of one table of `kind`.

    Names are matched in snake_case ("InvoiceDate" -> invoice_date) and the values must fit the role
    (a date for dates, numbers for money, never an id for money). A role no column fits stays empty:
    the user maps it, which is better than a wrong guess. An id is preferred to an email for the
    customer, and a table prefix is ignored ("customers.id" is an "id"). In a customers table
    without a churn flag, a status column whose values say churned or not ("Active" / "Cancelled",
    Recurly's active / canceled / expired) is the outcome, so it is never offered as a variable.
    """
    if kind not in KINDS:
        raise DataError(f"Unknown table kind {kind!r}; kinds are: {', '.join(KINDS)}.")
    if frame.shape[1] == 0:
        raise DataError("The table has no columns.")
    levels = {str(c): _level(frame[c], str(c)) for c in frame.columns}
    roles: dict[str, str] = {}
    taken: set[str] = set()
    for role in ROLES_BY_KIND[kind]:
        best, best_score = None, 0
        for column in frame.columns:
            column = str(column)
            if column in taken or not _fits(role, levels[column], frame[column], _normalise(column)):
                continue
            score = _role_score(role, kind, column, frame[column])
            if score > best_score:
                best, best_score = column, score
        if best is None and role == "amount":
            best = _lone_price(frame, levels, taken)
        if best is not None:
            roles[role] = best
            taken.add(best)
    if kind == "customers" and "outcome" not in roles:
        status = _status_outcome(frame, levels, taken)
        if status is not None:
            roles["outcome"] = status
            taken.add(status)
    if "customer_id" not in roles:
        # Fall back to the first unique identifier-like column of a customers table. Not in transactions or
        # events: there customers repeat, and a unique id names the invoice or the event.
        for column in frame.columns:
            column = str(column)
            unique_id = levels[column] == "id" and frame[column].dropna().is_unique
            if kind == "customers" and column not in taken and unique_id:
                roles["customer_id"] = column
                break
    by_column = {c: r for r, c in roles.items()}
    columns = tuple(
        ColumnInfo(
            name=str(c),
            level="id" if by_column.get(str(c)) in ("customer_id", "order_id") else levels[str(c)],
            category=None if by_column.get(str(c)) in ("customer_id", "order_id", "company")
            else _category(str(c), levels[str(c)]),
            role=by_column.get(str(c)),
        )
        for c in frame.columns
    )
    return RoleMap(kind=kind, roles=roles, columns=columns)


def _status_outcome(frame: pd.DataFrame, levels: Mapping[str, str], taken: set[str]) -> str | None:
    """A status column whose values say churned or not (Active / Cancelled), or None.

    Nearly every filled cell must be such a word (see `outcomes.as_flag`), and both kinds must
    occur: a status where everyone is active says nothing about churn, and a US "state" never fits.
    """
    best, best_score = None, 0
    for column in map(str, frame.columns):
        if column in taken or levels[column] not in ("categorical", "boolean"):
            continue
        score = max(_match_score(form, _CUSTOMER_STATUS_NAMES) for form in _name_forms(column))
        if score <= best_score:
            continue
        values = frame[column].dropna()
        values = values[values.astype(str).str.strip().ne("")]
        flags = as_flag(values, of="churned")
        if values.empty or flags.notna().mean() < _MIN_STATUS_WORDS or flags.dropna().nunique() < 2:
            continue
        best, best_score = column, score
    return best


def _lone_price(frame: pd.DataFrame, levels: Mapping[str, str], taken: set[str]) -> str | None:
    """A column called just "price" is the amount of a table without quantities (one price per invoice)."""
    if _find_column(frame, _QUANTITY_NAMES, levels) is not None:
        return None
    for column in frame.columns:
        column = str(column)
        if column not in taken and _normalise(column) == "price" and levels[column] == "numeric":
            return column
    return None


def _find_column(frame: pd.DataFrame, names: tuple[str, ...], levels: Mapping[str, str]) -> str | None:
    """The numeric column whose name fits `names` best (exact names first), or None."""
    best, best_score = None, 0
    for column in frame.columns:
        column = str(column)
        norm = _normalise(column)
        if levels[column] != "numeric" or _id_named(norm) or "compare" in _words(norm):
            continue
        score = _match_score(norm, names)
        if score > best_score:
            best, best_score = column, score
    return best


def _amount_from_lines(frame: pd.DataFrame, roles: RoleMap) -> tuple[pd.DataFrame, str | None]:
    """Quantity x unit price as a new "amount" column when no column is the amount (UCI's Online Retail)."""
    if roles.get("amount") is not None:
        return frame, None
    levels = {str(c): _level(frame[c], str(c)) for c in frame.columns}
    quantity = _find_column(frame, _QUANTITY_NAMES, levels)
    price = _find_column(frame, _UNIT_PRICE_NAMES, levels)
    if quantity is None or price is None or quantity == price:
        return frame, None
    name = next((n for n in ("amount", "amount_derived") if n not in frame.columns), None)
    if name is None:
        return frame, None
    # Rounded to remove float noise (6 x 2.55 = 15.299999999999999), keeping any sub-cent prices.
    values = (pd.to_numeric(frame[quantity]).astype("float64") * pd.to_numeric(frame[price]).astype("float64")).round(6)
    out = frame.assign(**{name: values.to_numpy()})
    return out, f"Added '{name}' = {quantity} x {price}, because the file has no amount column."


def with_derived_amount(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """A transactions table whose amount column is the revenue each row brought, and what was done, in words.

    `clean_transactions` with its notes joined into one sentence (None when nothing was done):
    quantity x unit price when there is no amount column (UCI's Online Retail: "amount", or
    "amount_derived" when "amount" is taken; negative quantities, returns, give negative amounts),
    failed payments left out, one currency, refunds taken off. The input is never changed.
    """
    out, notes = clean_transactions(frame)
    return out, " ".join(notes) or None


def clean_transactions(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A transactions table ready to sum: an amount column, no failed payments, one currency, refunds off.

    In this order, each step with a sentence in the notes (and none when it had nothing to do):

    1. No amount column but quantities and unit prices: "amount" = quantity x unit price.
    2. A deals export whose stage column ("Deal Stage") has won deals: only those are kept.
    3. Rows whose status (Status, Financial Status, ...) says failed, declined, void or
       uncollectible are left out: the money never came; so are drafts, cancelled invoices and
       orders, and lost deals: they were never billed. Pending payments count.
    4. A currency column with more than one currency: a converted or settled amount column
       ("Converted Amount", "amount_usd", "Net", "settled", Paddle's "Earnings") is used instead
       of the raw amount, unless every other currency column of the file ("Balance Currency")
       holds several currencies too; without one, the note warns that amounts in N currencies
       are added as they are (`notes_for_amount` redoes that warning for a hand-mapped amount).
    5. Refunds come off: a refund column ("Amount Refunded") is subtracted (its share of the
       raw amount, when the converted amount is used), and a row whose status is "refunded"
       counts 0, once, whether or not a refund column says so too.

    When step 4 or 5 changed a value, the result has a new column "amount (net)" next to the
    amount, which `infer_roles` takes for the amount; the file's own columns keep their values.
    Applied to its own result it does nothing more. Row order is kept; the index is 0..n-1.
    The input is never changed.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("The transactions table must be a table (a pandas DataFrame).")
    if frame.shape[1] == 0:
        return frame, ()
    roles = infer_roles(frame, kind="transactions")
    out, note = _amount_from_lines(frame, roles)
    notes = [note] if note else []
    if note:
        roles = infer_roles(out, kind="transactions")
    amount = roles.get("amount")
    if amount is None:
        return out, tuple(notes)
    levels = {c.name: c.level for c in roles.columns}
    out, note = _won_deals(out, levels)
    notes += [note] if note else []
    status = _named_column(out, _STATUS_NAMES, levels, ("categorical", "text"))
    if status is not None:
        codes = _status_codes(out[status])
        dropped = np.zeros(len(out), dtype=bool)
        for words, why in ((_FAILED_STATUSES, "a failed, declined, void or uncollectible payment brings no revenue."),
                           (_UNBILLED_STATUSES, "a draft, a cancellation or a lost deal brings no revenue.")):
            rows = codes.isin(words).to_numpy()
            if rows.any():
                shown = sorted(set(out.loc[rows, status].astype(str).str.strip()))
                notes.append(f"Left out {int(rows.sum()):,} of {len(out):,} rows whose {status!r} is "
                             f"{_listing(shown, 'or')}: {why}")
                dropped |= rows
        if dropped.any():
            out = out.loc[~dropped].reset_index(drop=True)
    if _normalise(amount) == _normalise(NET_AMOUNT) or NET_AMOUNT in out.columns:
        return out, tuple(notes)  # already net: cleaned before, or the file says so itself

    base, note = _currency_base(out, amount, levels)
    notes += [note] if note else []

    values = pd.to_numeric(out[base], errors="coerce").astype("float64")
    full = (_status_codes(out[status]).isin(_REFUNDED_STATUSES).to_numpy() if status is not None
            else np.zeros(len(out), dtype=bool)) & values.notna().to_numpy() & values.ne(0).to_numpy()
    if full.any():
        # Money handed back is no purchase either: it must not count as an order or a recent visit.
        shown = sorted(set(out.loc[full, status].astype(str).str.strip()))
        notes.append(f"Left out {int(full.sum()):,} payment(s) refunded in full ({status!r} is "
                     f"{_listing(shown, 'or')}): neither revenue nor a purchase.")
        out = out.loc[~full].reset_index(drop=True)
        values = values.loc[~full].reset_index(drop=True)
    refund, refund_column = _refunds(out, levels, amount=amount, base=base, values=values)
    partly = (refund > 0).to_numpy()
    if base == amount and not partly.any():
        return out, tuple(notes)
    net = values - refund
    net = net.mask((values >= 0) & (net < 0), 0.0).round(6)  # a refund never takes back more than was paid
    if partly.any():
        notes.append(f"Took refunds off {int(partly.sum()):,} payment(s): less the amount in {refund_column!r}.")
    position = list(out.columns).index(amount) + 1
    out = out.copy()
    out.insert(position, NET_AMOUNT, net.to_numpy())
    source = repr(base) + (" less refunds" if partly.any() else "")
    notes.append(f"Revenue is the new column {NET_AMOUNT!r} = {source}; {amount!r} keeps the file's values.")
    return out, tuple(notes)


def _won_deals(frame: pd.DataFrame, levels: Mapping[str, str]) -> tuple[pd.DataFrame, str | None]:
    """Only the won rows of a deals export, when a stage column ("Deal Stage") says some deal was won."""
    best, best_score, won = None, 0, None
    for column in map(str, frame.columns):
        if levels.get(column) not in ("categorical", "text"):
            continue
        score = max(_match_score(form, _STAGE_NAMES) for form in _name_forms(column))
        if score <= best_score:
            continue
        rows = _status_codes(frame[column]).isin(_WON_STAGES).to_numpy()
        if rows.any():
            best, best_score, won = column, score, rows
    if best is None or won.all():
        return frame, None
    codes = _status_codes(frame[best])
    lost = int(codes.isin(_LOST_STAGES).sum())
    other = len(frame) - int(won.sum()) - lost
    shown = sorted(set(frame.loc[won, best].astype(str).str.strip()))
    left = [f"{lost:,} lost"] * bool(lost) + [f"{other:,} still open or in no stage"] * bool(other)
    note = (f"Counted only the {int(won.sum()):,} won deals of {len(frame):,} rows ({best!r} is "
            f"{_listing(shown, 'or')}); the {' and '.join(left)} bring no revenue.")
    return frame.loc[won].reset_index(drop=True), note


_MIXED_WARNING = "Warning: amounts in "  # how the currency warning starts: the Data page recomputes it


def _currencies(frame: pd.DataFrame, amount: str, levels: Mapping[str, str]) -> tuple[str | None, list[str]]:
    """The currency column and the currencies `amount` is in, when that is more than one (else None, [])."""
    currency = _named_column(frame, _CURRENCY_NAMES, levels, ("categorical", "text", "id"))
    if currency is None or _converted_named(amount):
        return None, []
    codes = frame[currency].dropna().astype(str).str.strip().str.lower()
    currencies = list(dict.fromkeys(codes[codes != ""]))
    return (currency, currencies) if len(currencies) > 1 else (None, [])


def _mixed(amount: str, currency: str, currencies: list[str], advice: str) -> str:
    listed = ", ".join(currencies[:8]) + (", ..." if len(currencies) > 8 else "")
    return (f"{_MIXED_WARNING}{amount!r} are in {len(currencies)} currencies ({listed}) in column {currency!r} and "
            f"are added as they are, so revenue mixes currencies. {advice}")


def _currency_base(frame: pd.DataFrame, amount: str, levels: Mapping[str, str]) -> tuple[str, str | None]:
    """The column revenue is read from (`amount`, or one holding it in one currency) and a note, or None."""
    currency, currencies = _currencies(frame, amount, levels)
    if currency is None:
        return amount, None
    converted = _converted_column(frame, levels, exclude={amount, NET_AMOUNT}, currency=currency)
    if converted is None:
        return amount, _mixed(amount, currency, currencies, "Convert them to one currency, or load one file per "
                                                           "currency.")
    listed = ", ".join(currencies[:8]) + (", ..." if len(currencies) > 8 else "")
    return converted, (f"Amounts in {amount!r} are in {len(currencies)} currencies ({listed}) in column "
                       f"{currency!r}, so revenue uses {converted!r}, which holds them in one currency.")


def currency_warning(frame: pd.DataFrame, amount: str | None) -> str | None:
    """The warning that revenue read from `amount` adds up several currencies, or None when it does not.

    For the amount a user maps by hand: the warning `clean_transactions` wrote is about the
    column it chose. "amount (net)" is judged by the column it was made from (the one before it).
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("The transactions table must be a table (a pandas DataFrame).")
    columns = list(map(str, frame.columns))
    if amount is None or amount not in columns:
        return None
    levels = {c.name: c.level for c in infer_roles(frame, kind="transactions").columns}
    if amount == NET_AMOUNT:
        position = columns.index(NET_AMOUNT)
        if position == 0:
            return None
        base, note = _currency_base(frame, columns[position - 1], levels)
        return note if base == columns[position - 1] else None
    currency, currencies = _currencies(frame, amount, levels)
    if currency is None:
        return None
    # Revenue is the sum of the mapped column as it is: say which column would hold one currency.
    better = NET_AMOUNT if NET_AMOUNT in columns and currency_warning(frame, NET_AMOUNT) is None else (
        _converted_column(frame, levels, exclude={amount, NET_AMOUNT}, currency=currency))
    advice = (f"Map {better!r}, which holds one currency, as the amount instead." if better is not None
              else "Convert them to one currency, or load one file per currency.")
    return _mixed(amount, currency, currencies, advice)


def notes_for_amount(notes: Sequence[str], frame: pd.DataFrame, amount: str | None) -> tuple[str, ...]:
    """A transactions table's notes with the currency warning about the amount now mapped, not the one guessed.

    `notes` are the table's notes from loading (`clean_transactions`); `amount` is the column the
    amount role points at now. Without a mapped amount, no currency warning is given.
    """
    kept = tuple(note for note in notes if not str(note).startswith(_MIXED_WARNING))
    warning = currency_warning(frame, amount)
    return kept + ((warning,) if warning else ())


def _listing(values: Sequence[str], conjunction: str) -> str:
    quoted = [repr(v) for v in values[:6]] + (["..."] if len(values) > 6 else [])
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


def _status_codes(series: pd.Series) -> pd.Series:
    """Status words as comparable codes: "Payment Failed" -> "payment_failed", "Échoué" -> "echoue"."""
    codes = {value: _normalise(value, units=True) for value in series.dropna().unique()}
    return series.map(codes)


def _named_column(frame: pd.DataFrame, names: tuple[str, ...], levels: Mapping[str, str],
                  allowed: tuple[str, ...]) -> str | None:
    """The column of an allowed level whose name fits `names` best (exact names first), or None."""
    best, best_score = None, 0
    for column in frame.columns:
        column = str(column)
        level = levels[column] if column in levels else _level(frame[column], column)
        if level not in allowed:
            continue
        score = max(_match_score(_normalise(column), names), _match_score(_normalise(column, units=True), names))
        if score > best_score:
            best, best_score = column, score
    return best


def _converted_named(column: str) -> bool:
    return bool(_match_score(_normalise(column, units=True), _CONVERTED_NAMES)
                or _match_score(_normalise(column), _CONVERTED_NAMES))


def _converted_column(frame: pd.DataFrame, levels: Mapping[str, str], *, exclude: set[str],
                      currency: str | None = None) -> str | None:
    """A numeric amount in one currency ("Converted Amount", "amount_usd", "Net", Paddle's "Earnings"): never a
    fee or a refund, and not when the file's other currency columns ("Balance Currency") all hold several."""
    if currency is not None and not _one_other_currency(frame, currency):
        return None
    best, best_score = None, 0
    for column in frame.columns:
        column = str(column)
        norm = _normalise(column, units=True)
        named = norm in _CONVERTED_NAMES or _normalise(column) in _CONVERTED_NAMES  # "balance_earnings" is money
        if (column in exclude or levels.get(column) != "numeric" or _id_named(norm)
                or (_words(norm) & _NOT_AMOUNT_WORDS and not named)):
            continue
        score = max(_match_score(norm, _CONVERTED_NAMES), _match_score(_normalise(column), _CONVERTED_NAMES))
        if score > best_score:
            best, best_score = column, score
    return best


def _one_other_currency(frame: pd.DataFrame, currency: str) -> bool:
    """No currency column besides `currency`, or one that holds a single currency (the converted amount's)."""
    others = [str(c) for c in frame.columns if str(c) != currency
              and _words(_normalise(str(c), units=True)) & {"currency", "curr", "ccy", "wahrung", "devise", "moneda",
                                                             "divisa"}]
    if not others:
        return True
    return any(frame[c].dropna().astype(str).str.strip().str.lower().replace("", np.nan).nunique() <= 1
               for c in others)


def _refunds(frame: pd.DataFrame, levels: Mapping[str, str], *, amount: str, base: str,
             values: pd.Series) -> tuple[pd.Series, str | None]:
    """The refund of each row in the currency of `base` (0 where none), and the column it came from."""
    def numeric(names: tuple[str, ...]) -> str | None:
        column = _named_column(frame, names, levels, ("numeric",))
        return None if column in (amount, base) else column

    def number(column: str) -> pd.Series:
        return pd.to_numeric(frame[column], errors="coerce").astype("float64").fillna(0.0).abs()

    zero = pd.Series(0.0, index=frame.index)
    if base != amount:
        converted = numeric(_CONVERTED_REFUND_NAMES)
        if converted is not None:
            return number(converted), converted
    column = numeric(_REFUND_NAMES)
    if column is None:
        return zero, None
    refund = number(column)
    if base == amount:
        return refund, column
    # The refund is in the payment's own currency: take the same share off the converted amount.
    raw = pd.to_numeric(frame[amount], errors="coerce").astype("float64").abs()
    share = (refund / raw.where(raw > 0)).clip(0.0, 1.0).fillna(0.0)
    return values.abs().fillna(0.0) * share, column


def with_derived_mrr(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """A customers table with a monthly revenue column: as given, else a yearly one divided by 12.

    An annual column (ARR, ACV, a yearly fee; never a company's "Annual Revenue", which is what
    it earns, not what it pays) is not MRR. When no column fits the MRR role but one holds an
    annual amount, the result has a new column "mrr (from <column>)" = annual / 12 right after
    it, which `infer_roles` takes for the MRR, and a sentence saying so; otherwise the frame
    comes back unchanged with None. The input is never changed.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("The customers table must be a table (a pandas DataFrame).")
    if frame.shape[1] == 0:
        return frame, None
    roles = infer_roles(frame, kind="customers")
    if roles.get("mrr") is not None:
        return frame, None
    levels = {c.name: c.level for c in roles.columns}
    taken = set(roles.roles.values())
    best, best_score = None, 0
    for column in map(str, frame.columns):
        norm = _normalise(column)
        words = _words(norm)
        if (levels[column] != "numeric" or column in taken or _id_named(norm) or not _annual(norm)
                or words & _NOT_MONEY_WORDS):
            continue
        score = _match_score(norm, _ANNUAL_NAMES)
        if not score and not words & _PAID_WORDS:
            continue  # "Annual Revenue": the size of the customer's business, not what it pays
        if max(score, 1) > best_score:
            best, best_score = column, max(score, 1)
    name = f"mrr (from {best})" if best is not None else None
    if name is None or name in frame.columns:
        return frame, None
    values = (pd.to_numeric(frame[best], errors="coerce").astype("float64") / 12).round(6)
    out = frame.copy()
    out.insert(list(map(str, frame.columns)).index(best) + 1, name, values.to_numpy())
    return out, f"Added {name!r} = {best} / 12, because the file has annual amounts but no monthly one."


def empty_share(series: pd.Series) -> float:
    """The share of cells that are empty: missing, or text that is only spaces."""
    if len(series) == 0:
        return 1.0
    missing = series.isna()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        missing = missing | series.astype(str).str.strip().eq("")
    return float(missing.mean())


def default_variables(frame: pd.DataFrame, roles: RoleMap, *, candidates: Sequence[str], revenue: str | None = None,
                      derived: Sequence[str] = (), exclude: Sequence[str] = (), limit: int = 3,
                      max_missing: float = 0.5) -> list[str]:
    """The K-means variables to start from: the money column, then usage counts, then other numbers.

    Only numeric columns of `candidates` that can be fitted as they are: filled for at least
    half of the customers (`max_missing`), varying, and not an id ("Legacy_ID__c",
    "DunsNumber"), a date held as a number ("Start Date" = 45522, "YearStarted"), the churn or
    conversion flag, an annual amount beside `revenue`, or a column in `exclude`. `revenue` is
    the money column to start with; `derived` are usage columns computed from transactions or
    events. At most `limit` columns, in that order; fewer (even none) when fewer qualify.
    """
    info = {c.name: c for c in roles.columns}
    keys = {roles.get(r) for r in ("customer_id", "company", "order_id", "outcome", "converted")} | set(exclude)

    def usable(column: str) -> bool:
        if column in keys or column not in frame.columns:
            return False
        series = frame[column]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            return False
        if empty_share(series) > max_missing or series.nunique(dropna=True) <= 1:
            return False
        norm = _normalise(column)
        words = _words(norm)
        if column in info and info[column].level in ("id", "date", "boolean"):
            return False
        if _id_named(norm) or words & {"id", "ids", "uuid", "guid"}:
            return False
        if revenue is not None and column != revenue and _annual(norm):
            return False  # ARR beside the MRR says the same thing twice, and weighs money double
        return not (words & _DATE_WORDS or norm.endswith("_at"))

    numeric = [c for c in candidates if usable(c)]
    categories = {c: info[c].category if c in info else None for c in numeric}
    money = ([revenue] if revenue in numeric else [c for c in numeric if categories[c] == "value"])[:1]
    usage = [c for c in numeric if categories[c] == "behavioural" or c in derived]
    return list(dict.fromkeys(money + usage + numeric))[:limit]


def customers_from_transactions(frame: pd.DataFrame, *, customer_id: str) -> pd.DataFrame:
    """One row per customer of a transactions (or events) table, for exports that have no customers file.

    The first column, named like `customer_id`, holds each distinct id once as text (17850.0 from a
    column with blanks reads "17850"), in order of first appearance; rows without an id are left
    out. Every other text column that holds one value per customer, and not one value for all
    (Country, Customer Email), comes along, so it can describe or split the segments; numbers and
    dates describe purchases and stay with them. The input is never changed.
    """
    from .features import ids_as_text  # features builds on the roles found here, not the other way round

    if not isinstance(frame, pd.DataFrame):
        raise DataError("The transactions table must be a table (a pandas DataFrame).")
    if customer_id not in frame.columns:
        raise DataError(f"There is no column {customer_id!r}; columns are: {', '.join(map(str, frame.columns))}.")
    ids = ids_as_text(frame[customer_id], column=customer_id, table="transactions")
    keep = ids.notna().to_numpy()
    if not keep.any():
        raise DataError(f"Column {customer_id!r} holds no customer id; map the column that names the customer.")
    # Only words can describe a customer: numbers and dates of a purchase stay with the purchases.
    described = [c for c in frame.columns if c != customer_id and not pd.api.types.is_numeric_dtype(frame[c])
                 and not pd.api.types.is_datetime64_any_dtype(frame[c])]
    rows = frame.loc[keep, described].assign(__id__=ids[keep].to_numpy(dtype=object))
    grouped = rows.groupby("__id__", sort=False)
    per_customer = grouped.nunique(dropna=True)
    overall = rows[described].nunique(dropna=True)
    # One value per customer, and not the same for everyone (a currency or a shop's only channel says nothing).
    carried = [c for c in described if per_customer[c].max() <= 1 and overall[c] > 1]
    out = grouped[carried].first() if carried else pd.DataFrame(index=per_customer.index)
    out.insert(0, customer_id, out.index.to_numpy(dtype=object))
    out = out.reset_index(drop=True)
    out.attrs["rows_without_id"] = int((~keep).sum())  # said by every door: those rows count for nobody
    return out


@dataclass(frozen=True)
class QualitySummary:
    """Data-quality facts a user should see before segmenting."""

    rows: int
    columns: pd.DataFrame  # column, level, missing_share, distinct, constant
    duplicate_ids: pd.DataFrame  # id, rows (spreadsheet-style row numbers)
    notes: tuple[str, ...]


def quality_summary(frame: pd.DataFrame, roles: RoleMap, *, header_row: int = 0,
                    name: str = "the file") -> QualitySummary:
    """Missing share, constant columns and duplicate customer ids, with rows as a spreadsheet shows them."""
    n = len(frame)
    rows = []
    for info in roles.columns:
        series = frame[info.name]
        distinct = int(series.nunique(dropna=True))
        rows.append({
            "column": info.name,
            "level": info.level,
            "category": info.category or "",
            "role": info.role or "",
            "missing_share": float(series.isna().mean()) if n else 0.0,
            "distinct": distinct,
            "constant": distinct <= 1,
        })
    columns = pd.DataFrame(rows)
    notes = []
    id_col = roles.get("customer_id")
    duplicates = pd.DataFrame(columns=["id", "rows"])
    if id_col is not None and roles.kind == "customers":
        ids = frame[id_col]
        dup_mask = ids.duplicated(keep=False) & ids.notna()
        if dup_mask.any():
            # Row numbers as the user sees them: header line + 1-based data rows.
            first_data_row = header_row + 2
            positions = pd.Series(range(n), index=frame.index)[dup_mask.to_numpy()] + first_data_row
            grouped = pd.DataFrame({"id": ids[dup_mask].astype(str).to_numpy(), "row": positions.to_numpy()})
            duplicates = (grouped.groupby("id", sort=True)["row"]
                          .apply(lambda r: ", ".join(map(str, r))).reset_index(name="rows"))
            example = duplicates.iloc[0]
            notes.append(
                f"{len(duplicates)} customer id(s) in column {id_col!r} of {name} appear more than once "
                f"(e.g. {example['id']!r} on rows {example['rows']}); keep one row per customer."
            )
        if ids.isna().any():
            row = int(ids.isna().to_numpy().argmax()) + header_row + 2
            notes.append(f"{int(ids.isna().sum())} row(s) of {name} have no customer id in column {id_col!r} "
                         f"(first on row {row}); they will be left out.")
    constant = columns.loc[columns["constant"], "column"].tolist() if n else []
    if constant:
        notes.append(f"Column(s) {', '.join(map(repr, constant))} hold a single value and cannot separate segments.")
    return QualitySummary(rows=n, columns=columns, duplicate_ids=duplicates, notes=tuple(notes))
