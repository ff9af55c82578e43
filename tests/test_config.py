"""Config files: a syntax error, an unknown extension or a bad field names the file (and line)."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.config import read_mapping
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNodeConfig


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.yaml", "seed: 1\nepisode_length: [64\nbar_step: 1\n", "bad.yaml:3:"),
        ("bad.yml", "seed: 1\n  bar_step: 2\n", "bad.yml:2:"),
        ("bad.json", '{\n  "seed": 1,\n  "bar_step": 2,\n}\n', "bad.json:4:1"),
    ],
)
def test_syntax_error_names_file_and_line(tmp_path, name, text, where) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"invalid (YAML|JSON)") as error:
        read_mapping(path)
    assert str(error.value).startswith(str(tmp_path / where))


def test_unknown_extension_is_refused_on_read_and_write(tmp_path) -> None:
    path = tmp_path / "node.toml"
    path.write_text("seed = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"node\.toml.*unknown extension '\.toml'"):
        read_mapping(path)
    with pytest.raises(ConfigError, match="unknown extension"):
        TrainingNodeConfig().to_file(tmp_path / "node.txt")
    assert not (tmp_path / "node.txt").exists()


def test_missing_file_non_mapping_and_non_utf8_are_config_errors(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        read_mapping(tmp_path / "absent.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping of fields"):
        read_mapping(tmp_path / "list.yaml")
    (tmp_path / "latin1.yaml").write_bytes("seed: 1 # \xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_mapping(tmp_path / "latin1.yaml")


def test_bad_field_in_a_file_names_the_file_and_field(tmp_path) -> None:
    path = tmp_path / "node.yaml"
    path.write_text("seed: 1\nbogus_field: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"node\.yaml: .*bogus_field"):
        TrainingNodeConfig.from_file(path)
    path.write_text("log_level: LOUD\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"node\.yaml: .*`log_level`"):
        TrainingNodeConfig.from_file(path)


def test_unquoted_yaml_dates_are_read_as_the_dates_written(tmp_path) -> None:
    path = tmp_path / "node.yaml"
    path.write_text("data:\n  start: 2017-03-01\n  end: 2017-03-15\n", encoding="utf-8")
    config = TrainingNodeConfig.from_file(path)
    assert (config.data.start, config.data.end) == ("2017-03-01", "2017-03-15")


def test_overrides_win_over_the_file(tmp_path) -> None:
    path = TrainingNodeConfig(seed=1, bar_step=2).to_file(tmp_path / "node.json")
    config = TrainingNodeConfig.from_file(path, {"seed": 7})
    assert (config.seed, config.bar_step) == (7, 2)
