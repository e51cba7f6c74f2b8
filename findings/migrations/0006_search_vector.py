"""The search index on PostgreSQL: a stored search vector per finding, kept by a
trigger, with a GIN index, and trigram indexes for parts of words (findings/search.py).

SQLite gets nothing here: its search reads the text columns (see the README).
"""

from django.db import migrations

# The finding's words in every content language, and its country's names and
# code. Text weighs A, the country D: a finding that says the word ranks above
# one that is only in that country. The country's names go in with each
# configuration, so that a query stemmed either way finds them.
FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE findings_finding ADD COLUMN search_vector tsvector;

CREATE FUNCTION findings_finding_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    names text;
BEGIN
    SELECT concat_ws(' ', c.code, c.name_en, c.name_ru) INTO names
    FROM dialogues_country c WHERE c.id = NEW.country_id;
    NEW.search_vector :=
        setweight(to_tsvector('english'::regconfig, coalesce(NEW.text_en, '')), 'A')
        || setweight(to_tsvector('russian'::regconfig, coalesce(NEW.text_ru, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig, coalesce(names, '')), 'D')
        || setweight(to_tsvector('english'::regconfig, coalesce(names, '')), 'D')
        || setweight(to_tsvector('russian'::regconfig, coalesce(names, '')), 'D');
    RETURN NEW;
END
$$;

CREATE TRIGGER findings_finding_search_vector
BEFORE INSERT OR UPDATE OF text_en, text_ru, country_id ON findings_finding
FOR EACH ROW EXECUTE FUNCTION findings_finding_search_vector();

-- A country renamed: its findings' vectors follow (rare, and a few rows per dialogue).
CREATE FUNCTION dialogues_country_findings_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.code, NEW.name_en, NEW.name_ru)
            IS DISTINCT FROM (OLD.code, OLD.name_en, OLD.name_ru) THEN
        UPDATE findings_finding SET country_id = country_id WHERE country_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER dialogues_country_findings_search_vector
AFTER UPDATE OF code, name_en, name_ru ON dialogues_country
FOR EACH ROW EXECUTE FUNCTION dialogues_country_findings_search_vector();

CREATE INDEX findings_finding_search_vector_gin ON findings_finding
USING gin (search_vector);
-- Django's icontains is UPPER(column::text) LIKE UPPER(%s): these indexes serve it.
CREATE INDEX findings_finding_text_en_trgm ON findings_finding
USING gin (upper(text_en) gin_trgm_ops);
CREATE INDEX findings_finding_text_ru_trgm ON findings_finding
USING gin (upper(text_ru) gin_trgm_ops);

-- Fills the column for the findings already there (the trigger runs). After the
-- indexes, not before: an index built over rows just updated in the same
-- transaction stays unusable while any older transaction runs on the server.
UPDATE findings_finding SET country_id = country_id;
"""

BACKWARD = """
DROP INDEX findings_finding_text_ru_trgm;
DROP INDEX findings_finding_text_en_trgm;
DROP INDEX findings_finding_search_vector_gin;
DROP TRIGGER dialogues_country_findings_search_vector ON dialogues_country;
DROP FUNCTION dialogues_country_findings_search_vector();
DROP TRIGGER findings_finding_search_vector ON findings_finding;
DROP FUNCTION findings_finding_search_vector();
ALTER TABLE findings_finding DROP COLUMN search_vector;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dialogues", "0004_content_languages"),
        ("findings", "0005_text_languages"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
