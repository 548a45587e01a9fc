#!/usr/bin/python3
"""Side-by-side helper for BenchmarkJPEGFolder: runs the e2e DataLoader of
../../../shared/bench/torch_augment.py (folder of JPEGs -> decode -> full
augmentation -> batches of 64) for one library and worker count, and prints
img/s and the CPU time per image of the process and its workers (less
sensitive than img/s to other load on the machine).

    IMG_DIR=/tmp/imgs /usr/bin/python3 torch_e2e_cpu.py opencv 2 2   # lib, workers, epochs
"""
# CPU time per image and img/s of torch_augment.py's e2e DataLoader (lib, workers, epochs).
import os, sys, time, resource, gc
sys.path.insert(0, os.environ.get("BENCH_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "bench")))
import torch_augment as ta
import torch
from torch.utils.data import DataLoader
def cpu():
    s = resource.getrusage(resource.RUSAGE_SELF); c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
lib = sys.argv[1]; workers = int(sys.argv[2]); epochs = int(sys.argv[3])
ta.single_core()
torch.manual_seed(0)
ds = ta.JpegFolder(lib)
c_start = cpu()
dl = DataLoader(ds, batch_size=64, shuffle=True, num_workers=workers, worker_init_fn=ta.worker_init, persistent_workers=workers > 0)
for _ in dl: pass  # warm-up epoch
c0, t0 = cpu(), time.perf_counter()
n = 0
for _ in range(epochs):
    for xb, yb in dl:
        n += xb.shape[0]
wall = time.perf_counter() - t0
del dl; gc.collect(); time.sleep(0.5)
c1 = cpu()
# worker processes' CPU is only counted once they exit, so it covers the warm-up epoch too
imgs_cpu = n + (len(ds) if workers else 0)
print(f"RESULT lib={lib} workers={workers} imgs={n} img_per_s={n/wall:.1f} cpu_us_per_img={(c1-(c_start if workers else c0))*1e6/imgs_cpu:.0f}")
