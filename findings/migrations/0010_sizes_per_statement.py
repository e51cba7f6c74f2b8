from django.db import migrations

# On PostgreSQL, the list sizes (0007, 0009) were kept by a trigger per row: a
# statement adding N findings or N theme links updated the same few size rows N
# times. Each update of a row leaves a new version of it, which the next update
# in the same transaction has to find past all the earlier ones: a bulk import
# or a generated database slowed down with its own size. Now inserts and deletes
# are counted once per statement, from the rows the statement touched (its
# transition table), one update per list. A finding moved to another list stays
# counted per row (PostgreSQL gives no transition table to a trigger on some
# columns), as before. SQLite's triggers are unchanged: it updates in place.

POSTGRES_CREATE = """
DROP TRIGGER findings_list_size ON findings_finding;

CREATE FUNCTION findings_list_size_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE l record;
BEGIN
    FOR l IN SELECT session_id, country_id, kind, COUNT(*) AS n FROM added
             GROUP BY session_id, country_id, kind ORDER BY 1, 2, 3 LOOP
        PERFORM findings_list_size_add(l.session_id, l.country_id, l.kind, l.n::integer);
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION findings_list_size_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE l record;
BEGIN
    FOR l IN SELECT session_id, country_id, kind, COUNT(*) AS n FROM removed
             GROUP BY session_id, country_id, kind ORDER BY 1, 2, 3 LOOP
        PERFORM findings_list_size_add(l.session_id, l.country_id, l.kind, -l.n::integer);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER findings_list_size_insert AFTER INSERT ON findings_finding
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION findings_list_size_inserted();

CREATE TRIGGER findings_list_size_delete AFTER DELETE ON findings_finding
REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION findings_list_size_deleted();

CREATE TRIGGER findings_list_size
AFTER UPDATE OF session_id, country_id, kind ON findings_finding
FOR EACH ROW EXECUTE FUNCTION findings_list_size_follow();

DROP TRIGGER findings_theme_list_size_link ON findings_finding_themes;

CREATE FUNCTION findings_theme_list_size_linked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO findings_themelistsize (session_id, country_id, kind, theme_id, count)
    SELECT DISTINCT f.session_id, f.country_id, f.kind, a.theme_id, 0
    FROM added a JOIN findings_finding f ON f.id = a.finding_id
    WHERE NOT EXISTS (
        SELECT 1 FROM findings_themelistsize t
        WHERE t.theme_id = a.theme_id AND t.session_id = f.session_id AND t.kind = f.kind
          AND t.country_id IS NOT DISTINCT FROM f.country_id
    )
    ON CONFLICT DO NOTHING;
    UPDATE findings_themelistsize t SET count = t.count + d.n
    FROM (
        SELECT f.session_id, f.country_id, f.kind, a.theme_id, COUNT(*) AS n
        FROM added a JOIN findings_finding f ON f.id = a.finding_id
        GROUP BY f.session_id, f.country_id, f.kind, a.theme_id
    ) d
    WHERE t.theme_id = d.theme_id AND t.session_id = d.session_id AND t.kind = d.kind
      AND t.country_id IS NOT DISTINCT FROM d.country_id;
    RETURN NULL;
END $$;

CREATE FUNCTION findings_theme_list_size_unlinked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE findings_themelistsize t SET count = t.count - d.n
    FROM (
        SELECT f.session_id, f.country_id, f.kind, r.theme_id, COUNT(*) AS n
        FROM removed r JOIN findings_finding f ON f.id = r.finding_id
        GROUP BY f.session_id, f.country_id, f.kind, r.theme_id
    ) d
    WHERE t.theme_id = d.theme_id AND t.session_id = d.session_id AND t.kind = d.kind
      AND t.country_id IS NOT DISTINCT FROM d.country_id;
    RETURN NULL;
END $$;

CREATE TRIGGER findings_theme_list_size_insert AFTER INSERT ON findings_finding_themes
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION findings_theme_list_size_linked();

CREATE TRIGGER findings_theme_list_size_delete AFTER DELETE ON findings_finding_themes
REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION findings_theme_list_size_unlinked();
"""

POSTGRES_DROP = """
DROP TRIGGER findings_list_size_insert ON findings_finding;
DROP TRIGGER findings_list_size_delete ON findings_finding;
DROP TRIGGER findings_list_size ON findings_finding;
DROP FUNCTION findings_list_size_inserted();
DROP FUNCTION findings_list_size_deleted();
CREATE TRIGGER findings_list_size
AFTER INSERT OR DELETE OR UPDATE OF session_id, country_id, kind ON findings_finding
FOR EACH ROW EXECUTE FUNCTION findings_list_size_follow();

DROP TRIGGER findings_theme_list_size_insert ON findings_finding_themes;
DROP TRIGGER findings_theme_list_size_delete ON findings_finding_themes;
DROP FUNCTION findings_theme_list_size_linked();
DROP FUNCTION findings_theme_list_size_unlinked();
CREATE TRIGGER findings_theme_list_size_link
AFTER INSERT OR DELETE ON findings_finding_themes
FOR EACH ROW EXECUTE FUNCTION findings_theme_list_size_link();
"""


def per_statement(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)


def per_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0009_theme_list_size"),
    ]

    operations = [migrations.RunPython(per_statement, per_row)]
