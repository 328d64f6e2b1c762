"""A LoRA layer written as a module, as for PyTorch: it wraps an nn.Linear whose weight
stays frozen and adds a trainable low-rank update, ``result = self.base_layer(x)`` then
``result += lora_B(lora_A(dropout(x))) * scaling``. A small network pretrained on one task
is adapted to a related one by training only the LoRA parameters; then the update is merged
into the base weights, and only the adapter's weights are saved and reloaded.

Run:  python examples/pytorch_style/lora_layer.py [--quick] [--out DIR]   (about 3 seconds)
"""

import argparse
import math
import os

import minigrad as torch
import minigrad.nn as nn

parser = argparse.ArgumentParser(description="A LoRA layer around nn.Linear.")
parser.add_argument("--quick", action="store_true", help="fewer steps (300 instead of 600)")
parser.add_argument("--out", default=os.path.join("runs", "lora_layer"),
                    help="output folder (default: runs/lora_layer)")
args = parser.parse_args()
print(f"writing to {args.out}")
os.makedirs(args.out, exist_ok=True)

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)
steps = 300 if args.quick else 600


class LoRALinear(nn.Module):
    """y = base(x) + (B A x) * alpha / r, with base frozen and B initialised to zero."""

    def __init__(self, base_layer: nn.Linear, r: int = 4, lora_alpha: float = 8.0,
                 lora_dropout: float = 0.0):
        super().__init__()
        self.base_layer = base_layer
        self.r = r
        self.scaling = lora_alpha / r
        self.lora_A = nn.Linear(base_layer.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base_layer.out_features, bias=False)
        self.lora_dropout = nn.Dropout(lora_dropout) if lora_dropout > 0 else nn.Identity()
        self.merged = False
        self.reset_lora_parameters()
        for p in self.base_layer.parameters():
            p.requires_grad = False

    def reset_lora_parameters(self):
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)  # the layer starts out equal to the base

    def get_delta_weight(self):
        return (self.lora_B.weight @ self.lora_A.weight) * self.scaling

    def merge(self):
        if not self.merged:
            with torch.no_grad():
                self.base_layer.weight += self.get_delta_weight()
            self.merged = True

    def unmerge(self):
        if self.merged:
            with torch.no_grad():
                self.base_layer.weight -= self.get_delta_weight()
            self.merged = False

    def forward(self, x):
        result = self.base_layer(x)
        if self.merged:
            return result
        lora_term = self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling
        result += lora_term
        return result


def inject_lora(model, r=4, lora_alpha=8.0):
    """Replace every nn.Linear inside ``model`` by a LoRALinear around it."""
    for name, child in model.named_children():
        if isinstance(child, nn.Linear):
            setattr(model, name, LoRALinear(child, r=r, lora_alpha=lora_alpha))
        else:
            inject_lora(child, r=r, lora_alpha=lora_alpha)
    return model


def mark_only_lora_as_trainable(model):
    for n, p in model.named_parameters():
        p.requires_grad = "lora_" in n


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 64)
        self.fc2 = nn.Linear(64, 64)
        self.head = nn.Linear(64, 4)

    def forward(self, x):
        return self.head(torch.tanh(self.fc2(torch.tanh(self.fc1(x)))))


def fit(model, x, y, steps, lr, label):
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=lr)
    loss_fn = nn.MSELoss()
    model.train()
    for step in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            print(f"[{label}] step {step:4d}  loss {loss.item():.5f}")
    return loss.item()


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    return nn.functional.mse_loss(model(x), y).item()


# two related tasks: the second teacher is the first plus a rank-2 change to its middle layer
teacher = MLP().to(device)
x_train, x_test = torch.randn(512, 8, device=device), torch.randn(256, 8, device=device)
with torch.no_grad():
    y_a_train, y_a_test = teacher(x_train), teacher(x_test)
    u, v = torch.randn(64, 2), torch.randn(2, 64)
    teacher.fc2.weight += 0.3 * (u @ v) / math.sqrt(64)
    y_b_train, y_b_test = teacher(x_train), teacher(x_test)

# pretrain on task A, all parameters
model = MLP().to(device)
fit(model, x_train, y_a_train, steps, 1e-2, "pretrain on A")
print(f"pretrained: test loss on A {evaluate(model, x_test, y_a_test):.5f}, "
      f"on B {evaluate(model, x_test, y_b_test):.5f}")
before_b = evaluate(model, x_test, y_b_test)

# adapt to task B with LoRA: the base weights stay frozen
inject_lora(model, r=4, lora_alpha=8.0)
mark_only_lora_as_trainable(model)
trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
total = sum(p.numel() for p in model.parameters())
print(f"trainable params: {trainable} || all params: {total} || "
      f"trainable%: {100 * trainable / total:.2f}")
frozen_before = model.fc2.base_layer.weight.detach().clone()
fit(model, x_train, y_b_train, steps, 1e-2, "LoRA on B")
after_b = evaluate(model, x_test, y_b_test)
print(f"after LoRA: test loss on B {after_b:.5f} (before {before_b:.5f})")
unchanged = torch.equal(model.fc2.base_layer.weight, frozen_before)
print(f"the frozen base weight is unchanged: {unchanged}")

# save only the adapter, then load it into a fresh copy of the pretrained model
lora_state = {k: v for k, v in model.state_dict().items() if "lora_" in k}
path = os.path.join(args.out, "adapter.pt")
torch.save(lora_state, path)
print(f"saved {len(lora_state)} adapter tensors to {path}")
pretrained = {k: v for k, v in model.state_dict().items() if "lora_" not in k}
fresh = inject_lora(MLP(), r=4, lora_alpha=8.0).to(device)
fresh.load_state_dict(pretrained, strict=False)
result = fresh.load_state_dict(torch.load(path), strict=False)
print(f"missing keys after loading the adapter: {len(result.missing_keys)}")
print(f"the reloaded model's test loss on B: {evaluate(fresh, x_test, y_b_test):.5f}")

# merge: fold B A * scaling into the base weight; the outputs stay the same
model.eval()
with torch.no_grad():
    unmerged_out = model(x_test)
    for module in model.modules():
        if isinstance(module, LoRALinear):
            module.merge()
    merged_out = model(x_test)
diff = (merged_out - unmerged_out).abs().max().item()
print(f"merged vs unmerged outputs: max difference {diff:.2e}, "
      f"allclose {torch.allclose(merged_out, unmerged_out, atol=1e-5)}")
