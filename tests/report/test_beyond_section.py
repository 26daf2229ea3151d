"""The 'Beyond the sources' section: figures from records, absent variants said to be absent."""

from vgmodels.report.beyond_section import beyond_section, init_spread


def _rec(case, depth, acc, spread, gain=1.04, epochs=6, n_train=54000, seed=0):
    return {
        "case": case,
        "seed": seed,
        "epochs_run": epochs,
        "n_train": n_train,
        "test_acc": acc,
        "seconds_per_epoch": 100.0,
        "mfu": 0.2,
        "sweep": {"kind": "beyond"},
        "config": {
            "model": {"depth": depth, "init_gain": gain},
            "train": {"optimizer": "adam", "lr": 1e-4},
        },
        "jacobian": [{"epoch": 0, "spread": spread}, {"epoch": 6, "spread": 99.0}],
    }


def test_section_is_none_without_beyond_records(tmp_path):
    assert beyond_section([{"case": "baseline", "sweep": {"kind": "depth"}}], tmp_path) is None


def test_section_draws_and_states_what_records_hold(tmp_path):
    recs = [
        _rec("tanh_orthogonal", 7, 0.86, 0.05),
        _rec("tanh_orthogonal", 200, 0.87, 0.1),
        _rec("tanh_gaussian", 200, 0.80, 3.0),
        _rec("baseline_init", 200, 0.1, 0.5),
    ]
    sec = beyond_section(recs, tmp_path)
    files = {f.file for f in sec["figures"]}
    assert files == {
        "figures/beyond_acc.svg",
        "figures/beyond_spread.svg",
        "figures/beyond_boundary.svg",
    }
    assert all((tmp_path / f.split("/")[1]).stat().st_size > 1000 for f in files)
    rows = {r[1][:20]: r for r in sec["claims"].rows}
    iso = rows["Orthogonal weights a"]
    assert iso[2] == "spread 0.1 orthogonal, 3 Gaussian at depth 200" and iso[3] == "seen"
    schoenholz = rows["Networks train only "]
    assert "0.1000 at depth 200" in schoenholz[2] and "0.8700 at depth 200" in schoenholz[2]
    assert schoenholz[3] == "learns at criticality, baseline does not learn"
    assert rows["SELU with LeCun-norm"][2:] == ["absent", "absent"]
    assert len(sec["runs"].rows) == 4


def test_init_spread_reads_only_the_epoch_zero_measurement():
    assert init_spread([_rec("x", 7, 0.5, 0.25), _rec("x", 7, 0.5, 0.75)]) == 0.5
    assert init_spread([{"jacobian": []}]) is None


def test_longer_runs_stay_out_of_the_curves_and_carry_their_budget_into_the_claims(tmp_path):
    grid = [
        _rec("tanh_orthogonal", 7, 0.80, 0.05, epochs=5, n_train=10000),
        _rec("tanh_orthogonal", 200, 0.60, 2.0, epochs=5, n_train=10000),
        _rec("tanh_gaussian", 7, 0.79, 0.5, epochs=5, n_train=10000),
        _rec("tanh_gaussian", 200, 0.30, 40.0, epochs=5, n_train=10000),
        _rec("baseline_init", 200, 0.10, 0.0, epochs=5, n_train=10000),
    ]
    longer = [_rec("tanh_orthogonal", 200, 0.86, 3.0, epochs=6, n_train=54000)]
    sec = beyond_section(grid + longer, tmp_path)
    rows = {r[1][:20]: r for r in sec["claims"].rows}
    schoenholz = rows["Networks train only "]
    assert "0.8600 at depth 200 (6 epochs on 54,000 images, seed 0)" in schoenholz[2]
    assert "0.1000 at depth 200 (5 epochs on 10,000 images, seed 0)" in schoenholz[2]
    # the spread is the grid's (2.0), not the longer run's (3.0)
    assert rows["Orthogonal weights a"][2] == "spread 2 orthogonal, 40 Gaussian at depth 200"
    assert "5 epochs on 10,000 training images each" in sec["text"]
    assert "Longer runs (6 epochs on 54,000 images)" in sec["text"]
    assert "from 0.05 at depth 7 to 2 at depth 200 with orthogonal weights" in sec["text"]
    assert "from 0.5 at depth 7 to 40 at depth 200 with Gaussian weights" in sec["text"]
    assert len(sec["runs"].rows) == 6


def test_the_batchnorm_probe_is_explained_only_where_batchnorm_ran(tmp_path):
    plain = beyond_section([_rec("tanh_orthogonal", 7, 0.8, 0.1)], tmp_path)
    assert "evaluation mode" not in plain["text"]
    both = [_rec("tanh_orthogonal", 7, 0.8, 0.1), _rec("batchnorm", 7, 0.7, 6.0)]
    assert (
        "its spectrum at initialization the plain sigmoid" in beyond_section(both, tmp_path)["text"]
    )
