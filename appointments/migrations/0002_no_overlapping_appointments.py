"""The database refuses two active appointments of one provider that overlap in time:
see appointments/overlap_guard.py. PostgreSQL needs the btree_gist extension: the
migrating role must be allowed to create it, or an administrator creates it once."""

from django.db import migrations


def install(apps, schema_editor):
    from appointments import overlap_guard

    overlap_guard.install(schema_editor.connection)


def remove(apps, schema_editor):
    from appointments import overlap_guard

    overlap_guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
