"""Reference values for the optimizer, LR-schedule and gradient-clipping tests.

Run with a Python that has torch (the tests never run Python; they read the JSON this writes):
    /work/main/.venv-peer/bin/python Tests/Fixtures/make_optimizer_fixtures.py

Optimizers: two parameters (shapes [2, 3] and [4], few elements so every torch kernel takes its
scalar path) follow the gradient of a fixed quadratic, g = a * (p - c), for 10 steps, in float32
and float64, with torch's single-tensor implementations (foreach=False).
"""
import json
import os

import torch

STEPS = 10
P0 = [0.5, -1.25, 2.0, 0.75, -0.3, 1.1]
P1 = [-0.8, 0.4, 1.7, -2.2]
A0 = [1.0, 0.5, 2.0, 1.5, 0.25, 3.0]
A1 = [0.7, 1.2, 0.9, 2.5]
C0 = [0.1, 0.2, -0.3, 0.4, -0.5, 0.6]
C1 = [1.0, -1.0, 0.5, -0.5]

# name -> (torch class, group options list (one per parameter group, or one for both))
CONFIGS = {
    "sgd": ("SGD", [dict(lr=0.1)]),
    "sgd_momentum": ("SGD", [dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)]),
    "sgd_nesterov": ("SGD", [dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)]),
    "adam": ("Adam", [dict(lr=0.01, weight_decay=0.01)]),
    "adam_amsgrad": ("Adam", [dict(lr=0.01, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.01)]),
    "adam_low_beta1": ("Adam", [dict(lr=0.02, betas=(0.3, 0.9), eps=1e-6)]),
    "adamw": ("AdamW", [dict(lr=0.01, weight_decay=0.1)]),
    "adamw_amsgrad": ("AdamW", [dict(lr=0.01, weight_decay=0.1, amsgrad=True)]),
    "adamw_groups": ("AdamW", [dict(lr=0.01, weight_decay=0.1), dict(lr=0.03, weight_decay=0.0)]),
    "rmsprop": ("RMSprop", [dict(lr=0.01, alpha=0.9, weight_decay=0.01)]),
    "rmsprop_centered": ("RMSprop", [dict(lr=0.01, centered=True)]),
    "rmsprop_centered_momentum": ("RMSprop", [dict(lr=0.01, alpha=0.95, momentum=0.9, centered=True, weight_decay=0.01)]),
    "adagrad": ("Adagrad", [dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.01)]),
    "adagrad_plain": ("Adagrad", [dict(lr=0.1)]),
}


def run_optimizer(kind, groups, dtype):
    p0 = torch.tensor(P0, dtype=dtype).reshape(2, 3).requires_grad_()
    p1 = torch.tensor(P1, dtype=dtype).requires_grad_()
    a0, a1 = torch.tensor(A0, dtype=dtype).reshape(2, 3), torch.tensor(A1, dtype=dtype)
    c0, c1 = torch.tensor(C0, dtype=dtype).reshape(2, 3), torch.tensor(C1, dtype=dtype)
    cls = getattr(torch.optim, kind)
    if len(groups) == 1:
        opt = cls([p0, p1], foreach=False, **groups[0])
    else:
        opt = cls([dict(params=[p0], **groups[0]), dict(params=[p1], **groups[1])], foreach=False)
    trajectory = []
    for _ in range(STEPS):
        with torch.no_grad():
            p0.grad = a0 * (p0 - c0)
            p1.grad = a1 * (p1 - c1)
        opt.step()
        trajectory.append([p0.detach().flatten().tolist(), p1.detach().tolist()])
    return trajectory


def options_for_swift(groups):
    out = []
    for g in groups:
        d = dict(g)
        if "betas" in d:
            d["beta1"], d["beta2"] = d.pop("betas")
        out.append(d)
    return out


def optimizers():
    result = {}
    for name, (kind, groups) in CONFIGS.items():
        result[name] = {
            "optimizer": kind,
            "groups": options_for_swift(groups),
            "float32": run_optimizer(kind, groups, torch.float32),
            "float64": run_optimizer(kind, groups, torch.float64),
        }
    return result


def lrs(make_scheduler, steps, base=0.1):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base)
    scheduler = make_scheduler(opt)
    values = []
    for _ in range(steps):
        values.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return values


def schedules():
    S = torch.optim.lr_scheduler
    return {
        "base": 0.1,
        "step": {"stepSize": 7, "gamma": 0.5, "lr": lrs(lambda o: S.StepLR(o, step_size=7, gamma=0.5), 30)},
        "exponential": {"gamma": 0.9, "lr": lrs(lambda o: S.ExponentialLR(o, gamma=0.9), 30)},
        "cosine": {"totalSteps": 20, "minLearningRate": 0.01,
                   "lr": lrs(lambda o: S.CosineAnnealingLR(o, T_max=20, eta_min=0.01), 21)},
        "linear": {"totalSteps": 20, "endFactor": 0.1,
                   "lr": lrs(lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=20), 30)},
        "warmup_cosine": {"warmupSteps": 5, "startFactor": 0.25, "totalSteps": 15, "minLearningRate": 0.001,
                          "lr": lrs(lambda o: S.SequentialLR(o, [
                              S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=5),
                              S.CosineAnnealingLR(o, T_max=15, eta_min=0.001)], milestones=[5]), 21)},
    }


def clipping():
    shapes = [[2, 3], [4], [3, 1]]
    values = [[0.5, -1.5, 2.0, 0.25, -0.75, 1.0], [3.0, -0.5, 0.1, -2.0], [0.3, 0.6, -0.9]]
    cases = []
    for dtype_name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        for norm_type in (2.0, 1.0, 3.0, "inf"):
            for max_norm in (1.0, 100.0):
                params = []
                for v, s in zip(values, shapes):
                    p = torch.zeros(s, dtype=dtype, requires_grad=True)
                    p.grad = torch.tensor(v, dtype=dtype).reshape(s)
                    params.append(p)
                nt = float("inf") if norm_type == "inf" else norm_type
                total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=nt, foreach=False)
                cases.append({"dtype": dtype_name, "normType": norm_type, "maxNorm": max_norm,
                              "totalNorm": total.item(), "clipped": [p.grad.flatten().tolist() for p in params]})
    return {"shapes": shapes, "gradients": values, "cases": cases}


def main():
    fixture = {
        "torch": torch.__version__,
        "steps": STEPS,
        "initial": [P0, P1], "a": [A0, A1], "c": [C0, C1], "shapes": [[2, 3], [4]],
        "optimizers": optimizers(),
        "schedules": schedules(),
        "clipping": clipping(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizers.json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
