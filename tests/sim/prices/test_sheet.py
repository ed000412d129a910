"""python -m sim.prices: sheets from genai-prices' bundled data and payback's table, offline.

Expected token prices are asked of genai-prices itself (its calc_price), so the tests
follow the installed dataset rather than going stale with it.
"""

import subprocess
import sys
from dataclasses import fields
from datetime import date

import pytest
from omegaconf import OmegaConf

from sim.inputs.schema import Pricing

from sim.inputs.validation import validate
from sim.cli.prices import main
from sim.prices.sheet import PRICING_DIR
from sim.prices.terms import HOURS_PER_MONTH, TERMS
from tests.conftest import configure

MILLION = 1_000_000


def dataset_price(model_ref, provider_id):
    """genai-prices' own USD per 1M input and output tokens."""
    genai_prices = pytest.importorskip("genai_prices")
    usage = genai_prices.Usage(input_tokens=MILLION, output_tokens=MILLION)
    calculation = genai_prices.calc_price(usage, model_ref, provider_id=provider_id)
    return float(calculation.input_price), float(calculation.output_price)


def write(tmp_path, *args):
    """Run the command into tmp_path; return its exit code."""
    return main([*args, "--out-dir", str(tmp_path)])


def load(path):
    return OmegaConf.to_container(OmegaConf.load(path))


def test_gpt_4_1_mini_from_openai_takes_the_dataset_and_the_table(tmp_path, capsys):
    genai_prices = pytest.importorskip("genai_prices")
    base_input, base_output = dataset_price("gpt-4.1-mini", "openai")
    assert write(tmp_path, "gpt-4.1-mini", "--provider", "openai", "--name", "mini") == 0  # not a shipped name
    sheet = load(tmp_path / "mini.yaml")
    terms = TERMS["openai", "gpt-4.1-mini"]

    assert set(sheet) == {f.name for f in fields(Pricing)} - {"sheet"}  # a run sets its sheet's name
    assert (sheet["base_input"], sheet["base_output"]) == pytest.approx((base_input, base_output))
    # genai-prices has no ft: entry for gpt-4.1-mini: the table's fine-tuned prices
    assert (sheet["finetuned_input"], sheet["finetuned_output"]) == (terms.finetuned_input, terms.finetuned_output)
    assert (sheet["training"], sheet["hosting_per_month"], sheet["embedding"]) == (5.0, 0, 0.02)
    assert (sheet["finetune_training_until"], sheet["finetune_serving_until"]) == ("2027-01-06", "2027-01-14")
    assert sheet["source"].startswith(f"genai-prices {genai_prices.__version__} (pydantic, bundled data")
    date.fromisoformat(sheet["as_of"])
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    "model, provider", [("gpt-4.1-mini", "openai"), ("gpt-4o-mini", "openai"), ("gpt-4.1-mini", "azure")]
)
def test_the_written_sheet_validates_in_the_project_config(tmp_path, model, provider):
    pytest.importorskip("genai_prices")
    assert write(tmp_path, model, "--provider", provider, "--name", "sheet") == 0
    sheet = load(tmp_path / "sheet.yaml")
    settings = validate(configure(pricing=sheet))
    assert settings.resolved["pricing"] == {**sheet, "sheet": None}
    text = (tmp_path / "sheet.yaml").read_text()
    assert "Prices drift: check" in text
    for line in text.splitlines():
        key = line.partition(":")[0]
        if key not in ("as_of", "source") and not line.startswith("#"):
            assert "# " in line, f"no comment on where {key} comes from"


def test_finetuned_prices_come_from_the_datasets_ft_entry(tmp_path):
    finetuned = dataset_price("ft:gpt-4o-mini-2024-07-18:org::abc123", "openai")
    assert write(tmp_path, "gpt-4o-mini", "--provider", "openai", "--name", "4o") == 0  # not a shipped name
    sheet = load(tmp_path / "4o.yaml")
    assert (sheet["finetuned_input"], sheet["finetuned_output"]) == pytest.approx(finetuned)
    text = (tmp_path / "4o.yaml").read_text()
    line = next(line for line in text.splitlines() if line.startswith("finetuned_input:"))
    assert "# genai-prices" in line and "ft:gpt-4o-mini" in line


def test_azure_bills_an_hourly_deployment_fee_and_has_its_own_dates(tmp_path):
    pytest.importorskip("genai_prices")
    assert write(tmp_path, "gpt-4.1-mini", "--provider", "azure") == 0
    sheet = load(tmp_path / "azure-gpt-4.1-mini.yaml")
    assert sheet["hosting_per_month"] == pytest.approx(1.70 * HOURS_PER_MONTH) == pytest.approx(1241)
    assert (sheet["finetune_training_until"], sheet["finetune_serving_until"]) == ("2027-04-14", "2027-10-14")
    assert "no earlier than 2027-04-14" in (tmp_path / "azure-gpt-4.1-mini.yaml").read_text()
    # Azure bills fine-tuned tokens at the base model's rate
    assert (sheet["finetuned_input"], sheet["finetuned_output"]) == (sheet["base_input"], sheet["base_output"])


def test_an_unknown_model_names_the_closest_ids_in_one_line(tmp_path, capsys):
    pytest.importorskip("genai_prices")
    assert write(tmp_path, "gpt-4.1-mni", "--provider", "openai") == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "gpt-4.1-mni" in err and "closest:" in err and "gpt-4.1-mini" in err
    assert len(err.split("closest:")[1].split(",")) <= 5
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_provider_names_the_closest_ones(tmp_path, capsys):
    pytest.importorskip("genai_prices")
    assert write(tmp_path, "gpt-4.1-mini", "--provider", "opnai") == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "closest: openai" in err


def test_unknown_input_ends_without_a_traceback_from_the_shell(tmp_path):
    pytest.importorskip("genai_prices")
    done = subprocess.run(
        [sys.executable, "-m", "sim.prices", "gpt4.1mini", "--out-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("payback: error: genai-prices has no model 'gpt4.1mini' at any provider")
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1


def test_an_existing_sheet_is_kept_unless_forced(tmp_path, capsys):
    pytest.importorskip("genai_prices")
    mine = tmp_path / "openai-gpt-4.1-mini.yaml"
    mine.write_text("# my negotiated prices\n")
    assert write(tmp_path, "gpt-4.1-mini", "--provider", "openai") == 2
    assert mine.read_text() == "# my negotiated prices\n"
    assert "--force" in capsys.readouterr().err
    assert write(tmp_path, "gpt-4.1-mini", "--provider", "openai", "--force") == 0
    assert load(mine)["training"] == 5.0
    assert [p.name for p in tmp_path.iterdir()] == [mine.name]  # no partial file left


def test_a_model_outside_the_table_needs_training_and_hosting(tmp_path, capsys):
    base = dataset_price("gpt-4.1-nano", "openai")
    assert write(tmp_path, "gpt-4.1-nano", "--provider", "openai") == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--training USD --hosting USD" in err
    assert write(tmp_path, "gpt-4.1-nano", "--provider", "openai", "--training", "1.5", "--hosting", "0",
                 "--serving-until", "2028-01-31") == 0
    sheet = load(tmp_path / "openai-gpt-4.1-nano.yaml")
    assert (sheet["base_input"], sheet["base_output"]) == pytest.approx(base)
    assert (sheet["training"], sheet["hosting_per_month"]) == (1.5, 0)
    assert (sheet["finetune_training_until"], sheet["finetune_serving_until"]) == (None, "2028-01-31")
    assert sheet["embedding"] == pytest.approx(dataset_price("text-embedding-3-small", "openai")[0])
    validate(configure(pricing=sheet))


def test_a_missing_package_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "genai_prices", None)  # import genai_prices raises ImportError
    assert write(tmp_path, "gpt-4.1-mini", "--provider", "openai") == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "pip install -e '.[prices]'" in err
    assert list(tmp_path.iterdir()) == []


def test_every_table_entry_is_dated_sourced_and_known_to_the_dataset():
    genai_prices = pytest.importorskip("genai_prices")
    usage = genai_prices.Usage(input_tokens=1, output_tokens=1)
    for (provider, model), terms in TERMS.items():
        calculation = genai_prices.calc_price(usage, model, provider_id=provider)
        assert (calculation.provider.id, calculation.model.id) == (provider, model)
        date.fromisoformat(terms.as_of)
        assert terms.source.startswith("https://")
        assert terms.finetune_training_until <= terms.finetune_serving_until
        assert terms.training > 0 and terms.hosting_per_month >= 0 and terms.embedding > 0


@pytest.mark.parametrize("args, message", [
    (["--training", "-1"], "argument --training: '-1' is not a number >= 0"),
    (["--training-until", "2027-13-01"], "is not a date YYYY-MM-DD"),
    (["--name", "../evil"], "use letters, digits"),
    (["--training-until", "2027-06-01", "--serving-until", "2027-05-01"], "is before training-until"),
    # a sheet payback then refused was written
    (["--training", "1e300"], "pricing.training: 1e+300 is not a number in [0, 10000]: payback would refuse this sheet"),
    (["--hosting", "2e10"], "pricing.hosting_per_month: 2e+10 is not a number in [0, 1e+10]"),
])
def test_bad_arguments_are_refused_in_one_line(tmp_path, capsys, args, message):
    pytest.importorskip("genai_prices")
    try:  # argparse's refusals exit, the command's own return
        code = write(tmp_path, "gpt-4.1-mini", "--provider", "openai", *args)
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("payback: error: ") and message in err
    assert not list(tmp_path.iterdir())


def test_an_out_dir_that_cannot_be_written_is_one_line(tmp_path, capsys, monkeypatch):
    # a read-only mount ended in 15 lines and a WriteError
    import errno
    import os

    from sim.io import files as storage

    pytest.importorskip("genai_prices")

    def read_only(source, target):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(storage.os, "replace", read_only)
    assert write(tmp_path, "gpt-4.1-mini", "--provider", "openai", "--name", "mini") == 2
    assert capsys.readouterr().err == (f"payback: error: {tmp_path / 'mini.yaml'}: cannot write"
                                       " (Read-only file system)\n")
    assert list(tmp_path.iterdir()) == []


def test_a_sheet_named_as_a_shipped_preset_elsewhere_is_refused_naming_both(tmp_path, capsys):
    # with --config-dir the two would share the name pricing=openai-gpt-4.1-mini, one unseen
    pytest.importorskip("genai_prices")
    assert write(tmp_path, "gpt-4.1-mini", "--provider", "openai") == 2
    assert capsys.readouterr().err == (
        f"payback: error: openai-gpt-4.1-mini is a shipped preset ({PRICING_DIR / 'openai-gpt-4.1-mini.yaml'}):"
        f" a sheet of that name in {tmp_path} would shadow it, or be shadowed; pass --name for another name,"
        " or --force\n")
    assert list(tmp_path.iterdir()) == []
    assert write(tmp_path, "gpt-4.1-mini", "--provider", "openai", "--force") == 0  # asked for
    assert (tmp_path / "openai-gpt-4.1-mini.yaml").is_file()


def test_list_prints_a_providers_model_ids_one_a_line_and_the_datas_date(capsys):
    genai_prices = pytest.importorskip("genai_prices")
    from genai_prices.data_snapshot import find_provider_by_id, get_snapshot

    assert main(["--list", "openai"]) == 0
    out, err = capsys.readouterr()
    expected = sorted(m.id for m in find_provider_by_id(get_snapshot().providers, "openai").models)
    assert out.splitlines() == expected and "gpt-4.1-mini" in expected
    assert err.startswith(f"{len(expected)} model ids at openai (genai-prices {genai_prices.__version__}, ")
    assert main(["--list", "opnai"]) == 2
    assert capsys.readouterr().err == "payback: error: genai-prices knows no provider 'opnai' (closest: openai)\n"
