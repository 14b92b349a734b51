"""What a federated training job is: the model and its rounds, its privacy (differential privacy,
secure aggregation), and, for each hospital, the contract whose use each round is.

The spec travels as JSON in Flower's run config, so that the coordinator's ServerApp and every
hospital's ClientApp read the same description whatever runtime carries it.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from node.errors import InvalidInput
from node.federated.data import WORKLOADS, workload_flags
from node.federated.dp_trees import TreePlan
from node.federated.features import ModelInputs
from node.federated.models import Model, make_model
from node.federated.privacy import DpConfig

# xgboost: gradient-boosted trees, Flower's bagging; dp_trees: boosted trees whose leaves are summed
# (noisy, under DP) gradient statistics, for DP and secure aggregation (``node.federated.dp_trees``)
MODELS = ("logreg", "mlp", "xgboost", "dp_trees")
SECAGG_STAGES = 4  # SecAgg+ exchanges in a round: setup, key sharing, masked training, unmasking
SECAGG_MAX_TIMEOUT_S = 3600.0
DP_MODELS = ("logreg", "mlp", "dp_trees")  # DP gradient descent, or DP trees (one release a round)
TREE_DEPTH = 3
MAX_DP_TREES = 2000  # rounds x trees a round: every party holds every tree's statistics and shape


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code="fl_job_invalid")


@dataclass(frozen=True)
class SecAggConfig:
    """Flower SecAgg+ settings. Each hospital's secret is split into ``num_shares`` shares held by its
    neighbours; any ``threshold`` of them recover a hospital that dropped out mid-round.
    ``timeout_s``: how long each stage of the protocol waits for the hospitals' replies before it goes
    on without the missing ones (or halts below the threshold); None, the default, gives each stage
    its share of the job's round timeout (``JobSpec.secagg_timeout_s``)."""

    num_shares: int
    threshold: int
    timeout_s: float | None = None
    clipping_range: float = 16.0  # model parameters are clipped to +-this before quantization
    quantization_range: int = 2**22
    max_weight: float = 100_000.0  # the largest num-examples weight a hospital may carry

    @classmethod
    def for_hospitals(cls, hospitals: int, timeout_s: float | None = None) -> SecAggConfig:
        """Every hospital a neighbour of every other (odd share count), a majority to reconstruct."""
        shares = hospitals if hospitals % 2 else hospitals - 1
        return cls(shares, max(2, shares // 2 + 1), timeout_s)

    def validate(self, hospitals: int) -> None:
        """Refuse, before anything starts, the configurations on which Flower's SecAgg+ hangs or
        crashes: no timeout (it waits for ever for a hospital that left), an even share count (the
        server corrects it after the clients were told, and they fail), or a threshold that cannot
        be met."""
        if hospitals < 3:
            raise _bad("secure aggregation needs at least 3 hospitals (with 2, each sees the other's update)")
        if self.timeout_s is not None and (
            isinstance(self.timeout_s, bool)
            or not isinstance(self.timeout_s, int | float)
            or not 0 < self.timeout_s <= SECAGG_MAX_TIMEOUT_S
        ):
            raise _bad("secure aggregation needs a timeout (secagg_timeout_s) between 0 and 3600 s")
        if not 3 <= self.num_shares <= hospitals or self.num_shares % 2 == 0:
            raise _bad(f"num_shares must be odd, at least 3 and at most the {hospitals} hospitals")
        if not 2 <= self.threshold < self.num_shares:
            raise _bad("the reconstruction threshold must be at least 2 and below num_shares")
        if not (self.clipping_range > 0 and self.max_weight >= 1):
            raise _bad("clipping range and maximum weight must be positive")
        if self.quantization_range < 2**10 or self.quantization_range * hospitals >= 2**32:
            raise _bad("the quantization range must leave room for the sum of all hospitals in 32 bits")


@dataclass(frozen=True)
class Participant:
    """A hospital in the job: the contract with the partner whose uses its rounds are. The contract
    alone decides what the hospital's rounds read (its product and signed assets)."""

    contract_id: str


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    hospitals: int
    rounds: int
    model: str = "logreg"
    local_epochs: int = 20
    lr: float = 0.5
    seed: int = 42
    alpha: float = 1.0  # Dirichlet concentration of the Wisconsin split (benchmark data only)
    workload: str = "wisconsin"  # benchmark data without a node: Wisconsin, or generated patients
    patients: int = 20_000  # generated patients per hospital (the realistic workload)
    features: int = 30  # the model's width: 30 for Wisconsin; ``inputs.width`` on registered assets
    inputs: ModelInputs | None = None  # features and outcome on registered assets (None: Wisconsin)
    dp: DpConfig | None = None
    secagg: SecAggConfig | None = None
    min_hospitals: int = 0  # 0: all of them
    round_timeout_s: float = 600.0
    participants: dict[str, Participant] = field(default_factory=dict)  # node name -> contract

    @property
    def minimum(self) -> int:
        return self.min_hospitals or self.hospitals

    def validate(self) -> JobSpec:
        if not 2 <= self.hospitals <= 64:
            raise _bad("a federated job needs 2 to 64 hospitals")
        if not 1 <= self.rounds <= 1000:
            raise _bad("rounds must be between 1 and 1000")
        if self.model not in MODELS:
            raise _bad(f"model must be one of {', '.join(MODELS)}")
        if not (1 <= self.local_epochs <= 1000 and 0 < self.lr <= 10 and self.alpha > 0):
            raise _bad("local epochs, learning rate or alpha out of range")
        if self.workload not in WORKLOADS or not 100 <= self.patients <= 1_000_000:
            raise _bad(f"workload must be one of {', '.join(WORKLOADS)}, with 100 to 1,000,000 patients")
        if self.model == "dp_trees" and self.rounds * self.local_epochs > MAX_DP_TREES:
            raise _bad(f"dp_trees builds at most {MAX_DP_TREES} trees (rounds x local_epochs)")
        if not 1 <= self.features <= 10_000:
            raise _bad("features out of range")
        if self.inputs is not None and self.features != self.inputs.width:
            raise _bad("the model's width does not match its named features")
        if not 2 <= self.minimum <= self.hospitals:
            raise _bad("min_hospitals must be between 2 and the number of hospitals")
        if not 1 <= self.round_timeout_s <= 86_400:
            raise _bad("round timeout out of range")
        if self.participants and len(self.participants) != self.hospitals:
            raise _bad("name one contract for each hospital")
        if self.dp is not None:
            if self.model == "xgboost":
                raise _bad(
                    "XGBoost 无差分隐私训练，差分隐私的梯度提升树请用模型 dp_trees / "
                    "XGBoost has no differentially private training: use model dp_trees for DP boosted trees"
                )
            if self.model not in DP_MODELS:
                raise _bad(
                    "differential privacy is implemented for logistic regression, the MLP and dp_trees"
                )
            if self.dp.spent(self.rounds * self.dp_steps_per_round) > self.dp.target_epsilon + 1e-9:
                raise _bad("the job's rounds would exceed its privacy budget")
        if self.secagg is not None:
            if self.model == "xgboost":
                raise _bad(
                    "gradient-boosted trees cannot be summed under secure aggregation: "
                    "set secure_aggregation to false (each hospital's new trees reach the coordinator)"
                )
            self.secagg.validate(self.hospitals)
            if self.secagg_timeout_s > self.round_timeout_s:
                raise _bad("a secure aggregation stage (secagg_timeout_s) cannot outlast the round timeout")
        return self

    @property
    def secagg_timeout_s(self) -> float:
        """How long each SecAgg+ stage waits for the hospitals: the job's own setting, else the
        round timeout shared among the protocol's stages (150 s of the default 600 s, more when
        the round timeout is raised for a slow or loaded federation)."""
        timeout = self.secagg.timeout_s if self.secagg is not None else None
        return float(timeout) if timeout is not None else self.round_timeout_s / SECAGG_STAGES

    @property
    def dp_steps_per_round(self) -> int:
        """Gaussian mechanisms a hospital runs per round: one per local step of DP gradient descent;
        DP trees release one round's noisy sums of all its trees as one mechanism."""
        return 1 if self.model == "dp_trees" else self.local_epochs

    @property
    def dp_noise_divisor(self) -> int:
        """How many hospitals' noise at least every sum the coordinator can see holds: DP trees under
        SecAgg+ release only the sum of the hospitals' noisy statistics, and SecAgg+ unmasks a sum only
        when at least ``threshold`` hospitals' masked inputs are in it, so each hospital adds noise
        of variance sigma^2 / threshold and every unmasked sum carries at least sigma^2 (distributed
        DP). Without SecAgg+ (the coordinator sees each update) and for DP gradient descent (whose
        updates are not sums of the noisy releases) each hospital adds the full noise: 1."""
        if self.model == "dp_trees" and self.secagg is not None and self.dp is not None:
            return self.secagg.threshold
        return 1

    def epsilon_after(self, rounds_done: int) -> float:
        """ε each hospital has spent after ``rounds_done`` rounds (0 without DP)."""
        if self.dp is None or rounds_done <= 0:
            return 0.0
        return self.dp.spent(rounds_done * self.dp_steps_per_round)

    def tree_plan(self) -> TreePlan:
        """DP trees: ``local_epochs`` trees a round, their shapes from the job's seed, split candidates
        from the public definition of the features (which columns are flags)."""
        if self.participants or self.inputs is not None:  # labs first, then the flags
            flags = tuple(range(len(self.clinical_inputs.loinc), self.features))
        else:
            flags = workload_flags(self.workload)
        return TreePlan(
            self.rounds * self.local_epochs, self.local_epochs, TREE_DEPTH, self.seed, flags, self.lr
        )

    def new_model(self) -> Model:
        """The job's model before round 1, as every hospital and the coordinator build it."""
        plan = self.tree_plan() if self.model == "dp_trees" else None
        return make_model(self.model, self.features, plan)

    @property
    def clinical_inputs(self) -> ModelInputs:
        """What a round on registered assets reads: the job's choice, or the six labs and E11."""
        return self.inputs or ModelInputs()

    def to_json(self) -> str:
        raw = asdict(self)
        raw["inputs"] = self.inputs.to_request() if self.inputs else None
        return json.dumps(raw, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> JobSpec:
        try:
            raw: dict[str, Any] = json.loads(text)
            dp = raw.pop("dp", None)
            secagg = raw.pop("secagg", None)
            participants = raw.pop("participants", None) or {}
            inputs = raw.pop("inputs", None)
            target = raw.pop("target", None)  # jobs on assets stored before features could be chosen
            if inputs is not None or (target is not None and participants):
                inputs = ModelInputs.parse(**(inputs or {}), target=target)
            spec = cls(
                **raw,
                inputs=inputs,
                dp=DpConfig(**dp) if dp else None,
                secagg=SecAggConfig(**secagg) if secagg else None,
                participants={str(k): Participant(str(v["contract_id"])) for k, v in participants.items()},
            )
        except (TypeError, ValueError, AttributeError, KeyError):
            raise _bad("malformed job description") from None
        if any(isinstance(v, float) and not math.isfinite(v) for v in asdict(spec).values()):
            raise _bad("malformed job description")
        return spec.validate()

    def with_dp(self, target_epsilon: float, delta: float = 1e-5, clip: float = 1.0) -> JobSpec:
        """DP training planned so that all rounds stay within ``target_epsilon``."""
        plan = DpConfig.plan(target_epsilon, self.rounds * self.dp_steps_per_round, delta, clip)
        return replace(self, dp=plan)
