# Writes tiny.pt and tiny.safetensors: the state dict of Linear(4, 3) + BatchNorm1d(3), seeded.
# Run once with Debian's /usr/bin/python3 (torch 1.13): /usr/bin/python3 make_fixtures.py
import json, struct, torch
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
m[1].running_mean.uniform_(-0.5, 0.5); m[1].running_var.uniform_(0.5, 2.0); m[1].num_batches_tracked.fill_(7)
sd = m.state_dict()
torch.save(sd, 'tiny.pt')
names = {torch.float32: 'F32', torch.int64: 'I64'}
header, blobs, offset = {}, [], 0
for k, t in sd.items():
    b = t.contiguous().numpy().tobytes()
    header[k] = {'dtype': names[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
    blobs.append(b); offset += len(b)
h = json.dumps(header).encode()
with open('tiny.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(h))); f.write(h)
    for b in blobs: f.write(b)
