#!/usr/bin/python3
"""CPU time of one PyTorch training step (and inference), for ratios with
cnnpipe's benchmarks measured on a shared, busy machine.

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 torch_step_cpu.py seed|lenet|bn [threads]

Uses the models of ../../../shared/bench/torch_train.py (or $BENCH_DIR) on
random data: batch 64, Adam, cross-entropy. Prints CPU-ms per training step
and images per CPU-second for training and for inference at batch 256
(process CPU time, which wall-clock waits on other processes do not
inflate). Compare with the cpu-µs/image metric of
`go test -bench TrainStep -cpu 1 ./cnn`.
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("BENCH_DIR", os.path.join(here, "../../../shared/bench")))
import torch_train as tt  # noqa: E402

name = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(threads)
torch.manual_seed(0)
model = {"seed": tt.seed_model, "lenet": tt.lenet_model, "bn": tt.bn_model}[name]()
hw = (120, 60) if name == "seed" else (28, 28)
x = torch.rand(64, 1, *hw)
y = torch.randint(0, 4 if name == "seed" else 10, (64,))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)


def step():
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


for _ in range(5):
    step()
n = 20
c0 = time.process_time()
for _ in range(n):
    step()
c = time.process_time() - c0
print(f"torch {name} threads {threads}: train {1000 * c / n:.1f} CPU-ms/step, {64 * n / c:.0f} img per CPU-second")

model.eval()
xi = torch.rand(256, 1, *hw)
with torch.no_grad():
    for _ in range(2):
        model(xi)
    c0 = time.process_time()
    for _ in range(5):
        model(xi)
    c = time.process_time() - c0
print(f"torch {name} threads {threads}: inference bs256 {256 * 5 / c:.0f} img per CPU-second")
