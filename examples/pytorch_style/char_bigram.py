"""A character-level bigram language model, written as for PyTorch: first by counting
pairs, then as an nn.Embedding of next-character logits trained with cross_entropy.
Both sample new lines with torch.multinomial and a seeded torch.Generator.

Run:  python examples/pytorch_style/char_bigram.py [--quick] [--out DIR]   (about 2 seconds)
"""

import argparse
import os

import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F

parser = argparse.ArgumentParser(description="A character-level bigram model.")
parser.add_argument("--quick", action="store_true", help="100 steps instead of 300")
parser.add_argument("--out", default=os.path.join("runs", "char_bigram"),
                    help="output folder (default: runs/char_bigram)")
args = parser.parse_args()
print(f"writing to {args.out}")
os.makedirs(args.out, exist_ok=True)

text = """\
the river runs past the mill and the miller counts the sacks of grain
the baker buys the grain and bakes the bread before the sun is up
the children carry the bread to the market in baskets of green reed
at the market the traders call out the price of salt and oil and bread
the miller listens and laughs and counts the coins in his old red purse
when the rain comes the river rises and the mill wheel turns faster
the baker sings while the ovens burn and the loaves turn brown and warm
in the evening the market is empty and the river runs on in the dark
"""
lines = text.splitlines()
chars = sorted(set(text) - {"\n"})
# '.' marks the start and the end of a line
stoi = {ch: i + 1 for i, ch in enumerate(chars)}
stoi["."] = 0
itos = {i: ch for ch, i in stoi.items()}
vocab_size = len(stoi)
print(f"{len(lines)} lines, {len(text)} characters, vocabulary of {vocab_size}")

# --- 1. count the pairs ------------------------------------------------------------
N = torch.zeros((vocab_size, vocab_size), dtype=torch.int32)
for line in lines:
    chs = ["."] + list(line) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        N[stoi[ch1], stoi[ch2]] += 1
print(f"most common pair: {N.max().item()} times")

P = N.float()
P /= P.sum(1, keepdim=True)  # every character is followed by something, so no row is 0


def sample(probs_of, generator, count=3):
    samples = []
    for _ in range(count):
        out = []
        ix = 0
        while True:
            p = probs_of(ix)
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=generator).item()
            if ix == 0 or len(out) > 60:
                break
            out.append(itos[ix])
        samples.append("".join(out))
    return samples


g = torch.Generator().manual_seed(2147483647)
for s in sample(lambda ix: P[ix], g):
    print(f"[counts] {s}")

# the average negative log likelihood of the text under the counts
xs, ys = [], []
for line in lines:
    chs = ["."] + list(line) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
counts_nll = -P[xs, ys].log().mean()
print(f"[counts] negative log likelihood {counts_nll.item():.4f} over {xs.nelement()} pairs")

# --- 2. the same model as a network: one embedding row of logits per character ------
torch.manual_seed(0)


class Bigram(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.logits = nn.Embedding(vocab_size, vocab_size)

    def forward(self, idx):
        return self.logits(idx)


model = Bigram(vocab_size)
optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
steps = 100 if args.quick else 300
for step in range(steps):
    logits = model(xs)
    loss = F.cross_entropy(logits, ys)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    if step % 50 == 0:
        print(f"[network] step {step:4d}  loss {loss.item():.4f}")
print(f"[network] final loss {loss.item():.4f} (counts: {counts_nll.item():.4f})")

# counting gives the maximum-likelihood answer, so training can only approach it
with torch.no_grad():
    learned = F.softmax(model.logits.weight, dim=1)
seen = N.sum(1) > 0
gap = (learned[seen] - P[seen]).abs().max().item()
print(f"largest gap between learned and counted probabilities: {gap:.4f}")

g = torch.Generator().manual_seed(2147483647)
model.eval()
with torch.no_grad():
    for s in sample(lambda ix: F.softmax(model(torch.tensor([ix])), dim=1)[0], g):
        print(f"[network] {s}")
