"""schema.org JSON-LD for treatment pages, built from the same records as the page."""

from django.utils.html import strip_tags

from services.rich_text import render_rich_text


def treatment_page(service, questions, page_url) -> list[dict]:
    procedure = {
        "@type": "MedicalProcedure",
        "name": service.title,
        "description": service.summary,
        "url": page_url,
        "procedureType": "https://schema.org/PercutaneousProcedure",
    }
    if service.aftercare:
        procedure["followup"] = strip_tags(render_rich_text(service.aftercare)).strip()
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
