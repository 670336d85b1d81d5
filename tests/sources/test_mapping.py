"""The mapping validator: good documents load, bad ones name the file and the key."""
from pathlib import Path

import pytest
import yaml

from linkgraph.errors import MappingError
from linkgraph.sources.mapping import load_mapping, parse_mapping

GOOD = {
    "source": "test_src", "agency": "police", "classification": "restricted", "format": "csv",
    "mentions": {"p": {"type": "person", "fields": {"last_name": "nom", "dob": {"column": "ddn", "dayfirst": True}}},
                 "t": {"type": "phone", "fields": {"number": "tel"}}},
    "relations": [{"type": "uses", "from": "p", "to": "t"}],
}


def test_good_mapping_loads_and_lists_its_columns():
    m = parse_mapping(GOOD, "good.yaml")
    assert m.columns() == ["nom", "ddn", "tel"]
    assert m.mentions["p"].fields["last_name"].column == "nom"


@pytest.mark.parametrize("change, key, words", [
    ({"classification": "top-secret"}, "classification", "public"),
    ({"format": "xls"}, "format", "csv"),
    ({"colour": "red"}, "colour", "unknown key"),
    ({"source": "bad id!"}, "source", "letters"),
    ({"mentions": {"p": {"type": "person", "fields": {"surname": "nom"}}}}, "mentions.p", "unknown field 'surname'"),
    ({"mentions": {"p": {"type": "spaceship", "fields": {"x": "y"}}}}, "mentions.p.type", "person"),
    ({"relations": [{"type": "knows", "from": "p", "to": "t"}]}, "relations[0].type", "unknown relation type"),
    ({"relations": [{"type": "uses", "from": "p", "to": "nobody"}]}, "(document)", "'nobody' is not a mention"),
    ({"mentions": {}}, "(document)", "at least one mention"),
])
def test_bad_mapping_error_names_file_and_key(change, key, words):
    with pytest.raises(MappingError) as err:
        parse_mapping({**GOOD, **change}, "rules/sources/x.yaml")
    assert str(err.value).startswith(f"rules/sources/x.yaml: {key}")
    assert words in str(err.value)


@pytest.mark.parametrize("missing", ["source", "agency", "classification", "format", "mentions"])
def test_required_keys(missing):
    doc = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(MappingError, match=f"x.yaml: {missing}: required key is missing"):
        parse_mapping(doc, "x.yaml")


def test_yaml_is_never_executed(tmp_path: Path):
    path = tmp_path / "evil.yaml"
    path.write_text("!!python/object/apply:os.system ['touch pwned']\n")
    with pytest.raises(MappingError, match="not valid YAML"):
        load_mapping(path)
    assert not Path("pwned").exists()


def test_every_bundled_mapping_is_valid(repo: Path):
    paths = sorted((repo / "rules" / "sources").glob("*.yaml"))
    assert paths, "no bundled mappings"
    for p in paths:
        m = load_mapping(p)
        if m.file is not None:  # the README example names no file: it is given on the command line
            assert m.default_file().exists(), p


def test_the_readme_example_is_a_valid_mapping(repo: Path):
    text = (repo / "docs" / "source-mappings.md").read_text()
    block = text.split("```yaml", 1)[1].split("```", 1)[0]
    m = parse_mapping(yaml.safe_load(block), "doc")
    assert set(m.mentions) == {"resident", "phone", "car"}
