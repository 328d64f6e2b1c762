"""A quick-start classifier, written as for PyTorch: a Dataset of small synthetic images
(bars, crosses, boxes and diagonals on an 8x8 grid, with noise), DataLoaders, an nn.Module
with nn.Flatten, nn.Linear and nn.ReLU, train and test loops, then save and reload the
state_dict.

Run:  python examples/pytorch_style/quickstart_classifier.py [--quick] [--out DIR]   (~2 s)
"""

import argparse
import os

import minigrad as torch
from minigrad import nn
from minigrad.utils.data import DataLoader, Dataset

parser = argparse.ArgumentParser(description="Classify small synthetic images.")
parser.add_argument("--quick", action="store_true", help="3 epochs instead of 6")
parser.add_argument("--out", default=os.path.join("runs", "quickstart_classifier"),
                    help="output folder (default: runs/quickstart_classifier)")
args = parser.parse_args()
print(f"writing to {args.out}")
os.makedirs(args.out, exist_ok=True)

classes = ["horizontal bar", "vertical bar", "cross", "box", "diagonal"]


def draw(label, generator):
    """One 1x8x8 image of the given class, shifted at random, with noise."""
    image = torch.zeros(8, 8)
    i, j = torch.randint(1, 7, (2,), generator=generator).tolist()
    if label == 0:
        image[i, :] = 1
    elif label == 1:
        image[:, j] = 1
    elif label == 2:
        image[i, :] = 1
        image[:, j] = 1
    elif label == 3:
        image[1, 1:7] = 1
        image[6, 1:7] = 1
        image[1:7, 1] = 1
        image[1:7, 6] = 1
    else:
        image = torch.eye(8).roll(i - 3, dims=1)
    image = image + 0.3 * torch.randn(8, 8, generator=generator)
    return image.unsqueeze(0)


class ShapesDataset(Dataset):
    """Synthetic 1x8x8 images of five shapes, made once from a seed."""

    def __init__(self, size, seed, transform=None):
        generator = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, len(classes), (size,), generator=generator)
        self.images = [draw(label, generator) for label in self.labels.tolist()]
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        image = self.images[idx]
        if self.transform:
            image = self.transform(image)
        return image, self.labels[idx]


training_data = ShapesDataset(2000, seed=1)
test_data = ShapesDataset(500, seed=2)

batch_size = 64
train_dataloader = DataLoader(training_data, batch_size=batch_size, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
for X, y in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    break

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"Using {device} device")
torch.manual_seed(0)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8 * 8, 64),
            nn.ReLU(),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Linear(64, len(classes)),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)

        pred = model(X)
        loss = loss_fn(pred, y)

        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 10 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return correct


epochs = 3 if args.quick else 6
for t in range(epochs):
    print(f"Epoch {t + 1}\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    accuracy = test(test_dataloader, model, loss_fn)
print("Done!")

path = os.path.join(args.out, "model.pth")
torch.save(model.state_dict(), path)
print(f"Saved PyTorch Model State to {path}")

model = NeuralNetwork().to(device)
model.load_state_dict(torch.load(path, weights_only=True))
model.eval()
reloaded_accuracy = test(test_dataloader, model, loss_fn)
print(f"reloaded model accuracy {reloaded_accuracy:.4f} (before saving {accuracy:.4f})")

x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    x = x.to(device)
    pred = model(x)
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')
