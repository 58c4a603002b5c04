# ruff: noqa: E501  (letter templates are prose: one paragraph per line)
"""Default letter templates in German, French and Spanish (issue 16: letters in the candidate's language).

One default row per language, created only where that language has no template yet, so that a
candidate recorded in one of them gets a letter in it (``letters.services.template_for_language``).
The texts are copied here so that this migration stays the same when the templates change.
"""

from django.db import migrations

TEMPLATES = {
    "de": {
        "name": "Standard-Feedbackbrief (Deutsch)",
        "subject": "Feedback zu Ihrer Bewerbung als {job_title}",
        "body_text": "Guten Tag {candidate_first_name},\n\nvielen Dank, dass Sie sich bei uns für die Stelle {job_title} vorgestellt haben. Wir haben uns entschieden, Ihnen die Stelle dieses Mal nicht anzubieten, und möchten Ihnen so konkret wie möglich erklären, warum.\n\n{progress}\n\n{decider_name} hat die Entscheidung getroffen und dabei diese Punkte festgehalten:\n\n{points}\n\nSie können sich ab {reapply_date} gern erneut bewerben. Wenn Sie sich erneut bewerben, führen in der Regel Personen die Gespräche mit Ihnen, die Sie bisher nicht interviewt haben.\n\nWenn Sie zu einem dieser Punkte mehr erfahren möchten, öffnen Sie Ihre Feedback-Seite über den Link am Ende dieser E-Mail und wählen Sie „Mehr Details erfragen“. Ihre Frage geht an {decider_name}, und die Antwort erhalten Sie über unser HR-Team.\n\nMit freundlichen Grüßen\n\n{decider_name}\nIm Auftrag von {decider_first_name} versandt vom HR-Team von {org_name} ({hr_email})",
        "body_html": '<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{subject}</title>\n</head>\n<body style="margin:0; padding:0; background:#f4f4f4;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f4;">\n<tr><td align="center" style="padding:24px 12px;">\n<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px; width:100%; background:#ffffff;">\n<tr><td style="padding:28px 32px; font-family:Arial, Helvetica, sans-serif; font-size:16px; line-height:1.5; color:#222222;">\n{letter}\n</td></tr>\n<tr><td style="padding:20px 32px; border-top:1px solid #dddddd; font-family:Arial, Helvetica, sans-serif; font-size:15px; line-height:1.5; color:#222222;">\n<p style="margin:0 0 12px;"><a href="{candidate_page_url}" style="color:#0b57d0;">Öffnen Sie Ihre Feedback-Seite</a>, um mehr Details zu erfragen, uns zu sagen, wie hilfreich dieses Feedback war, oder sich erinnern zu lassen, wann Sie sich erneut bewerben können.</p>\n<p style="margin:0; font-size:13px; color:#555555;">{org_name} &middot; {hr_email} &middot; <a href="{unsubscribe_url}" style="color:#555555;">Abmelden</a></p>\n</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>',
    },
    "fr": {
        "name": "Lettre de feedback standard (français)",
        "subject": "Retour sur votre candidature au poste de {job_title}",
        "body_text": "Bonjour {candidate_first_name},\n\nMerci d'avoir passé des entretiens avec nous pour le poste de {job_title}. Nous avons décidé de ne pas vous proposer ce poste cette fois-ci, et nous souhaitons vous expliquer pourquoi, aussi précisément que possible.\n\n{progress}\n\n{decider_name}, qui a pris la décision, a relevé les points suivants :\n\n{points}\n\nVous pourrez postuler à nouveau à partir du {reapply_date}. Si vous postulez à nouveau, vos entretiens seront normalement menés par des personnes qui ne vous ont pas fait passer d'entretien auparavant.\n\nSi vous souhaitez plus de précisions sur l'un de ces points, ouvrez votre page de feedback à l'aide du lien en bas de cet e-mail et choisissez « Demander plus de précisions ». Votre question sera transmise à {decider_name}, et la réponse vous parviendra par notre équipe RH.\n\nCordialement,\n\n{decider_name}\nEnvoyé pour {decider_first_name} par l'équipe RH ({org_name}, {hr_email})",
        "body_html": '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{subject}</title>\n</head>\n<body style="margin:0; padding:0; background:#f4f4f4;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f4;">\n<tr><td align="center" style="padding:24px 12px;">\n<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px; width:100%; background:#ffffff;">\n<tr><td style="padding:28px 32px; font-family:Arial, Helvetica, sans-serif; font-size:16px; line-height:1.5; color:#222222;">\n{letter}\n</td></tr>\n<tr><td style="padding:20px 32px; border-top:1px solid #dddddd; font-family:Arial, Helvetica, sans-serif; font-size:15px; line-height:1.5; color:#222222;">\n<p style="margin:0 0 12px;"><a href="{candidate_page_url}" style="color:#0b57d0;">Ouvrez votre page de feedback</a> pour demander plus de précisions, nous dire si ce retour vous a été utile ou nous demander de vous rappeler quand vous pourrez postuler à nouveau.</p>\n<p style="margin:0; font-size:13px; color:#555555;">{org_name} &middot; {hr_email} &middot; <a href="{unsubscribe_url}" style="color:#555555;">Se désabonner</a></p>\n</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>',
    },
    "es": {
        "name": "Carta de comentarios estándar (español)",
        "subject": "Comentarios sobre su candidatura para {job_title}",
        "body_text": "Hola, {candidate_first_name}:\n\nGracias por participar en nuestro proceso de entrevistas para el puesto de {job_title}. Hemos decidido no ofrecerle el puesto en esta ocasión y queremos explicarle el motivo de la forma más concreta posible.\n\n{progress}\n\n{decider_name}, que tomó la decisión, anotó estos puntos:\n\n{points}\n\nPuede volver a presentar su candidatura a partir del {reapply_date}. Si vuelve a presentar su candidatura, normalmente le entrevistarán personas que no le entrevistaron antes.\n\nSi desea más detalles sobre alguno de estos puntos, abra su página de comentarios con el enlace al final de este correo y elija «Pedir más detalles». Su pregunta llegará a {decider_name} y recibirá la respuesta a través de nuestro equipo de RR. HH.\n\nAtentamente,\n\n{decider_name}\nEnviado en nombre de {decider_first_name} por el equipo de RR. HH. de {org_name} ({hr_email})",
        "body_html": '<!DOCTYPE html>\n<html lang="es">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{subject}</title>\n</head>\n<body style="margin:0; padding:0; background:#f4f4f4;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f4;">\n<tr><td align="center" style="padding:24px 12px;">\n<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px; width:100%; background:#ffffff;">\n<tr><td style="padding:28px 32px; font-family:Arial, Helvetica, sans-serif; font-size:16px; line-height:1.5; color:#222222;">\n{letter}\n</td></tr>\n<tr><td style="padding:20px 32px; border-top:1px solid #dddddd; font-family:Arial, Helvetica, sans-serif; font-size:15px; line-height:1.5; color:#222222;">\n<p style="margin:0 0 12px;"><a href="{candidate_page_url}" style="color:#0b57d0;">Abra su página de comentarios</a> para pedir más detalles, decirnos si estos comentarios le han resultado útiles o pedirnos que le recordemos cuándo puede volver a presentar su candidatura.</p>\n<p style="margin:0; font-size:13px; color:#555555;">{org_name} &middot; {hr_email} &middot; <a href="{unsubscribe_url}" style="color:#555555;">Darse de baja</a></p>\n</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>',
    },
}


def create_templates(apps, schema_editor):
    LetterTemplate = apps.get_model("feedback", "LetterTemplate")
    for language, values in TEMPLATES.items():
        if LetterTemplate.objects.filter(language=language).exists():
            continue
        if LetterTemplate.objects.filter(name=values["name"]).exists():
            continue
        LetterTemplate.objects.create(language=language, is_default=True, **values)


def remove_templates(apps, schema_editor):
    LetterTemplate = apps.get_model("feedback", "LetterTemplate")
    for language, values in TEMPLATES.items():
        LetterTemplate.objects.filter(language=language, name=values["name"], updated_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0010_lettertemplate_language")]
    operations = [migrations.RunPython(create_templates, remove_templates)]
