"""Every config file composes; the experiments set what they promise."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from microexp.train.config import register_resolvers
from tests.conftest import CONF

EXPERIMENTS = sorted(p.stem for p in (CONF / "experiment").glob("*.yaml"))


def _compose(overrides: list[str], hydra_node: bool = False):
    register_resolvers()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=overrides, return_hydra_config=hydra_node)


def _resolve(cfg) -> dict:
    plain = OmegaConf.create({k: v for k, v in cfg.items() if k != "hydra"})
    OmegaConf.update(plain, "paths.root_dir", "/tmp/x", force_add=True)
    OmegaConf.update(plain, "paths.output_dir", "/tmp/x/run", force_add=True)
    return OmegaConf.to_container(plain, resolve=True)


@pytest.mark.parametrize("experiment", EXPERIMENTS)
@pytest.mark.parametrize("stage", ["spatial", "temporal", "joint"])
def test_every_experiment_composes(experiment: str, stage: str) -> None:
    cfg = _resolve(_compose([f"experiment={experiment}", f"stage={stage}"]))
    assert cfg["stage"]["name"] == stage
    assert cfg["trainer"]["max_epochs"] == cfg["epochs"][stage]
    assert cfg["model"]["net"]["width"] == cfg["width"]
    # the checkpoint monitor comes from the stage (UF1 for the classes, never accuracy), early
    # stopping watches it too; only the joint stage has classes
    monitor = "val/uf1" if stage == "joint" else "val/iou"
    assert (cfg["stage"]["monitor"], cfg["stage"]["monitor_mode"]) == (monitor, "max")
    stopping = cfg["callbacks"]["early_stopping"]
    assert (stopping["monitor"], stopping["mode"]) == (monitor, "max")
    assert cfg["optimized_metric"] == "val/uf1" and cfg["tuning"]["subjects"] == []
    assert ("class_names" in cfg["model"]) == (stage == "joint")


def test_quick_is_the_default_and_paper_is_faithful() -> None:
    default = _resolve(_compose([]))
    quick = _resolve(_compose(["experiment=quick"]))
    assert default == quick
    paper = _resolve(_compose(["experiment=paper"]))
    assert paper["width"] == 1.0
    assert paper["recipe"] == {
        "class_loss_frames": "all",
        "temporal_features": "likelihood",
        "intensity_weight": 1.0,
        "intensity_loss": "l1",
        "intensity_balance": False,
    }
    assert paper["model"]["class_loss_frames"] == "all"
    assert paper["model"]["net"]["temporal_features"] == "likelihood"
    assert paper["data"]["frame_stride"] == 1 and paper["model"]["scheduler"] is None
    assert paper["data"]["copies"] == 150 and paper["data"]["seq_len"] == 14
    opt = paper["model"]["optimizer"]
    assert opt["_target_"] == "torch.optim.RMSprop"
    assert opt["lr"] == 1e-4 and opt["weight_decay"] == 0.005
    assert paper["data"]["augment"] == {
        "rotation": 10.0,
        "scale": [0.9, 1.1],
        "translation": 2.0,
        "enabled": True,
    }
    assert paper["trainer"]["accelerator"] == "gpu"


@pytest.mark.parametrize(
    "overrides",
    [
        ["data=casme2", "data.root=/data/CASME2"],
        ["split=loso"],
        ["split=holdout_clips"],
        ["trainer=cpu"],
        ["trainer=gpu"],
        ["trainer=ddp"],
        ["trainer=ddp_cpu"],
        ["logger=wandb"],
        ["data.synthetic.subjects=26", "data.synthetic.clips=10"],
        ["data.synthetic.size=1.0", "data.synthetic.margin=8"],
    ],
)
def test_groups_compose(overrides: list[str]) -> None:
    cfg = _resolve(_compose(overrides))
    assert cfg["data"]["_target_"].endswith("MicroExpDataModule")


def test_default_is_half_of_casme2_as_released_under_a_subject_holdout() -> None:
    cfg = _resolve(_compose([]))
    split = cfg["split"]
    assert (split["name"], split["fold"], split["train_fraction"]) == ("holdout", None, 0.7)
    assert cfg["data"]["synthetic"] == {
        "subjects": 26,
        "clips": None,
        "size": 0.5,
        "margin": 0,
        "seed": 0,
    }
    full = _resolve(_compose(["data.synthetic.size=1.0"]))
    margin = _resolve(_compose(["data.synthetic.margin=8"]))
    roots = {cfg["data"]["root"], full["data"]["root"], margin["data"]["root"]}
    assert len(roots) == 3  # a set is never reused for other options


@pytest.mark.parametrize("stage", ["spatial", "temporal", "joint"])
def test_debug_tiny_is_what_the_tests_ran(stage: str) -> None:
    """``debug=tiny`` holds the overrides the tests gave one by one before it existed."""
    tiny = _resolve(_compose(["debug=tiny", f"stage={stage}"]))
    by_hand = _resolve(
        _compose(
            [
                f"stage={stage}",
                "data.synthetic.subjects=3",
                "data.synthetic.clips=5",
                "data.synthetic.size=1.0",
                "data.num_workers=0",
                "data.copies=1",
                "data.batch_size=4",
                "data.eval_batch_size=4",
                "data.seq_len=6",
                "data.progress=false",
                "epochs.spatial=1",
                "epochs.temporal=1",
                "epochs.joint=1",
                "trainer.limit_train_batches=2",
                "trainer.log_every_n_steps=1",
                "trainer.enable_model_summary=false",
                "callbacks.progress_bar=null",
                "callbacks.model_summary=null",
                "width=0.125",
            ]
        )
    )
    assert tiny == by_hand
    assert tiny["trainer"]["max_epochs"] == 1 and tiny["model"]["net"]["width"] == 0.125


def test_casme2_root_is_mandatory() -> None:
    cfg = _compose(["data=casme2"])
    assert OmegaConf.is_missing(cfg.data, "root")


def test_wandb_is_offline_by_default() -> None:
    cfg = _resolve(_compose(["logger=wandb", "stage=temporal"]))
    assert cfg["logger"]["wandb"]["offline"] is True
    assert cfg["logger"]["wandb"]["job_type"] == "temporal"


@pytest.mark.parametrize("launcher", ["joblib", "submitit_slurm", "submitit_local"])
def test_launchers_compose(launcher: str) -> None:
    cfg = _compose([f"hydra/launcher={launcher}"], hydra_node=True)
    assert cfg.hydra.launcher._target_.startswith("hydra_plugins.")
    if launcher == "submitit_slurm":
        assert cfg.hydra.launcher.gpus_per_node == 1
    if launcher == "submitit_local":
        assert cfg.hydra.launcher._target_.endswith("LocalLauncher")


@pytest.mark.parametrize("trainer", ["ddp", "ddp_cpu"])
def test_ddp_trainers_leave_the_samplers_alone(trainer: str) -> None:
    """The samplers shard by rank themselves (Lightning's DistributedSampler would pad the
    test clips with repeats); the joint stage's unused backbone heads are allowed for."""
    cfg = _resolve(_compose([f"trainer={trainer}", "experiment=paper"]))["trainer"]
    assert cfg["use_distributed_sampler"] is False and cfg["devices"] == 2
    strategy = cfg["strategy"]
    if trainer == "ddp":
        assert strategy == "ddp_find_unused_parameters_true" and cfg["accelerator"] == "gpu"
    else:
        assert strategy["process_group_backend"] == "gloo" and strategy["find_unused_parameters"]
        assert cfg["accelerator"] == "cpu"


def test_optuna_search_composes() -> None:
    cfg = _compose(["hparams_search=joint_optuna"], hydra_node=True)
    sweeper = OmegaConf.to_container(cfg.hydra.sweeper, resolve=False)
    assert sweeper["sampler"]["seed"] == 1234 and sweeper["storage"].startswith("sqlite:///")
    assert sweeper["direction"] == "maximize"
    # selected on validation UF1, never on test, on subjects fixed for the whole study: the
    # tuning subjects are every trial's validation subjects
    assert cfg.optimized_metric == "val/uf1"
    tuning = ["sub02", "sub03", "sub04"]
    assert list(cfg.tuning.subjects) == tuning
    assert (cfg.split.name, cfg.split.fold) == ("loso", 0)  # sub01 is tested, not tuned on
    assert list(cfg.split.val_subjects) == list(cfg.data.val_subjects) == tuning
    moved = _compose(["hparams_search=joint_optuna", "tuning.subjects=[sub05]"])
    assert list(moved.data.val_subjects) == ["sub05"]


def test_no_orphan_config_files() -> None:
    """Every YAML under conf/ is reached by one of the compositions above."""
    groups = {p.parent.relative_to(CONF).as_posix() for p in CONF.rglob("*.yaml")}
    assert groups == {
        ".",
        "paths",
        "hydra",
        "hydra/launcher",
        "data",
        "data_defaults",
        "split",
        "model",
        "stage",
        "trainer",
        "callbacks",
        "logger",
        "experiment",
        "hparams_search",
        "debug",
    }
    assert Path(CONF / "experiment" / "quick.yaml").is_file()
