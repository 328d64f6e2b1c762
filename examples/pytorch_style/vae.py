"""A variational autoencoder, written as for PyTorch: an encoder to mu and logvar, the
reparameterisation trick with torch.randn_like, a decoder with a sigmoid output, and the
loss as binary cross-entropy plus the KL divergence. The data are small synthetic 8x8
binary images: one horizontal or vertical bar, or two crossing, at random places.

Run:  python examples/pytorch_style/vae.py [--quick] [--out DIR]   (about 5 seconds)
"""

import argparse
import os

import minigrad as torch
from minigrad import nn, optim
from minigrad.nn import functional as F
from minigrad.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser(description="A VAE on synthetic 8x8 images.")
parser.add_argument("--batch-size", type=int, default=32, metavar="N",
                    help="input batch size for training (default: 32)")
parser.add_argument("--epochs", type=int, default=30, metavar="N",
                    help="number of epochs to train (default: 30)")
parser.add_argument("--quick", action="store_true", help="15 epochs")
parser.add_argument("--no-cuda", action="store_true", default=False, help="disables CUDA")
parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1)")
parser.add_argument("--log-interval", type=int, default=5, metavar="N",
                    help="how many epochs to wait before printing a sample")
parser.add_argument("--out", default=os.path.join("runs", "vae"),
                    help="output folder (default: runs/vae)")
args = parser.parse_args()
if args.quick:
    args.epochs = 15
args.cuda = not args.no_cuda and torch.cuda.is_available()
print(f"writing to {args.out}")
os.makedirs(args.out, exist_ok=True)

torch.manual_seed(args.seed)
device = torch.device("cuda" if args.cuda else "cpu")


def make_images(n):
    """n binary 8x8 images: a horizontal bar, a vertical bar, or both."""
    images = torch.zeros(n, 1, 8, 8)
    kind = torch.randint(0, 3, (n,))
    rows = torch.randint(0, 8, (n,))
    cols = torch.randint(0, 8, (n,))
    for i in range(n):
        if kind[i] != 1:
            images[i, 0, rows[i], :] = 1
        if kind[i] != 0:
            images[i, 0, :, cols[i]] = 1
    return images


train_images = make_images(1024)
test_images = make_images(256)
train_loader = DataLoader(TensorDataset(train_images), batch_size=args.batch_size, shuffle=True)
test_loader = DataLoader(TensorDataset(test_images), batch_size=args.batch_size, shuffle=False)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.fc21 = nn.Linear(128, 4)
        self.fc22 = nn.Linear(128, 4)
        self.fc3 = nn.Linear(4, 128)
        self.fc4 = nn.Linear(128, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


model = VAE().to(device)
optimizer = optim.Adam(model.parameters(), lr=3e-3)


def loss_function(recon_x, x, mu, logvar):
    """Reconstruction (BCE) plus KL divergence from the unit Gaussian, summed."""
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    # KL(N(mu, sigma^2) || N(0, 1)) = -0.5 * sum(1 + log sigma^2 - mu^2 - sigma^2)
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def train(epoch):
    model.train()
    train_loss = 0
    for data, in train_loader:
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    average = train_loss / len(train_loader.dataset)
    print(f"====> Epoch: {epoch} Average loss: {average:.4f}")
    return average


def test(epoch):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for data, in test_loader:
            data = data.to(device)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
    test_loss /= len(test_loader.dataset)
    print(f"====> Test set loss: {test_loss:.4f}")
    return test_loss


def show(images):
    """Print 8x8 images side by side as text."""
    for r in range(8):
        print("   ".join("".join("#" if v > 0.5 else "." for v in img[r].tolist())
                         for img in images))


# for scale: the loss of a model that knows only each pixel's average brightness
mean_pixel = train_images.mean(0, keepdim=True).clamp(1e-6, 1 - 1e-6)
baseline = F.binary_cross_entropy(mean_pixel.expand_as(test_images), test_images,
                                  reduction="sum").item() / len(test_images)
print(f"baseline (each pixel's average): {baseline:.4f} per image")

for epoch in range(1, args.epochs + 1):
    train(epoch)
    test_loss = test(epoch)
    if epoch % args.log_interval == 0:
        with torch.no_grad():
            sample = torch.randn(6, 4).to(device)
            sample = model.decode(sample).cpu()
        print("samples from the prior:")
        show(sample.view(6, 8, 8))

print(f"final test loss {test_loss:.4f} per image (baseline {baseline:.4f})")
with torch.no_grad():
    recon, _, _ = model(test_images[:6])
print("test images, then their reconstructions:")
show(test_images[:6].view(6, 8, 8))
print()
show(recon.view(6, 8, 8))
torch.save(model.state_dict(), os.path.join(args.out, "vae.pt"))
print(f"saved {os.path.join(args.out, 'vae.pt')}")
