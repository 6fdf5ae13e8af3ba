import json
import subprocess
import sys

import pytest

from assistant.cli import build_parser


def run(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "assistant.cli", *map(str, args)],
                            capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("command", ["ask", "ingest", "index", "eval"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    assert "--index-dir" in capsys.readouterr().out


def test_ask_json(bundled_index):
    out = run("ask", "Qu'est-ce que le niveau M1 de la pyramide mHealthBelgium ?", "--json", "--index-dir", bundled_index)
    data = json.loads(out.stdout)
    assert data["language"] == "fr" and not data["abstained"]
    assert data["citations"][0]["url"].startswith("http")


def test_index_status_and_ingest(bundled_index, tmp_path):
    import shutil

    index_dir = tmp_path / "index"
    shutil.copytree(bundled_index, index_dir)
    note = tmp_path / "notes.md"
    note.write_text("# Plan\n\nNotre réunion de pré-soumission est prévue en mai.", encoding="utf-8")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    out = run("ingest", note, bad, "--json", "--index-dir", index_dir, check=False)
    assert out.returncode == 1  # a file was skipped
    outcomes = {o["path"]: o for o in json.loads(out.stdout)["outcomes"]}
    assert outcomes["notes.md"]["status"] == "added"
    assert outcomes["bad.pdf"]["status"] == "skipped" and outcomes["bad.pdf"]["reason"]
    status = json.loads(run("index", "status", "--json", "--index-dir", index_dir).stdout)
    assert status["documents"] >= 34


def test_commands_other_than_serve_do_not_import_the_web_framework(bundled_index):
    """`assistant index status` answered in 7 s when the parser's `serve` options pulled Gradio in."""
    code = ("import sys\nfrom assistant.cli import main\n"
            f"main(['index', 'status', '--index-dir', {str(bundled_index)!r}])\n"
            "print('WEB', 'gradio' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "WEB False" in result.stdout
