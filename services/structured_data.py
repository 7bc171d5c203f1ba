"""schema.org JSON-LD for treatment and condition pages, built from the same records as the page."""

import re

from django.utils.html import strip_tags

from clinic.rich_text import render_rich_text


def plain_text(html: str) -> str:
    """Rich text as one line of plain text, keeping a space between paragraphs and list items."""
    spaced = re.sub(r"</(p|li|h3|h4)>", r"</\1> ", html)
    return " ".join(strip_tags(spaced).split())


def treatment_page(service, questions, page_url) -> list[dict]:
    procedure = {
        "@type": "MedicalProcedure",
        "name": service.title,
        "description": service.summary,
        "url": page_url,
    }
    if service.aftercare:
        procedure["followup"] = plain_text(render_rich_text(service.aftercare))
    page = {"@context": "https://schema.org", "@type": "MedicalWebPage", "url": page_url, "name": service.title, "about": procedure}
    if service.reviewed_on and service.reviewed_by:
        page["lastReviewed"] = service.reviewed_on.isoformat()
        page["reviewedBy"] = {"@type": "Person", "name": service.reviewed_by.display_name}
    faq = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": question.question,
                "acceptedAnswer": {"@type": "Answer", "text": str(render_rich_text(question.answer))},
            }
            for question in questions
        ],
    }
    return [page, faq] if questions else [page]


def condition_page(condition, services, page_url, site_url) -> dict:
    """A condition's page: a MedicalWebPage about a MedicalCondition, with the treatments on this
    site for it as its possible treatments (each a MedicalTherapy with its own page)."""
    medical_condition = {"@type": "MedicalCondition", "name": condition.name, "description": condition.summary, "url": page_url}
    if services:
        medical_condition["possibleTreatment"] = [
            {
                "@type": "MedicalTherapy",
                "name": service.title,
                "description": service.summary,
                "url": site_url.rstrip("/") + service.get_absolute_url(),
            }
            for service in services
        ]
    return {"@context": "https://schema.org", "@type": "MedicalWebPage", "url": page_url, "name": condition.name,
            "about": medical_condition}
