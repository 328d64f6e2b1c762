"""A word-level language model, written as for PyTorch: nn.Embedding -> nn.LSTM ->
nn.Linear over a batchified corpus, truncated backpropagation through time (the hidden
state carried from batch to batch, detached), gradient clipping with
nn.utils.clip_grad_norm_, plain SGD written by hand, and perplexity on held-out text.

The corpus is generated in the program from a small grammar (a few hundred sentences),
split into train, validation and test text.

Run:  python examples/pytorch_style/lstm_word_lm.py [--quick] [--out DIR]   (about 10 seconds)
"""

import argparse
import math
import os
import random
import time

import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F

parser = argparse.ArgumentParser(description="An LSTM word-level language model.")
parser.add_argument("--emsize", type=int, default=32, help="size of word embeddings")
parser.add_argument("--nhid", type=int, default=64, help="number of hidden units per layer")
parser.add_argument("--nlayers", type=int, default=2, help="number of layers")
parser.add_argument("--lr", type=float, default=20.0, help="initial learning rate")
parser.add_argument("--clip", type=float, default=0.25, help="gradient clipping")
parser.add_argument("--epochs", type=int, default=8, help="upper epoch limit")
parser.add_argument("--batch_size", type=int, default=16, metavar="N", help="batch size")
parser.add_argument("--bptt", type=int, default=20, help="sequence length")
parser.add_argument("--dropout", type=float, default=0.1,
                    help="dropout applied to layers (0 = no dropout)")
parser.add_argument("--seed", type=int, default=1111, help="random seed")
parser.add_argument("--log-interval", type=int, default=5, metavar="N", help="report interval")
parser.add_argument("--quick", action="store_true", help="4 epochs")
parser.add_argument("--out", default=os.path.join("runs", "lstm_word_lm"),
                    help="output folder (default: runs/lstm_word_lm)")
args = parser.parse_args()
if args.quick:
    args.epochs = 4
print(f"writing to {args.out}")
os.makedirs(args.out, exist_ok=True)
save_path = os.path.join(args.out, "model.pt")

torch.manual_seed(args.seed)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

###############################################################################
# Data: sentences from a small grammar
###############################################################################

grammar = {
    "S": [["NP", "VP"], ["NP", "VP", "PP"]],
    "NP": [["the", "N"], ["a", "N"], ["the", "ADJ", "N"]],
    "VP": [["V", "NP"], ["sleeps"], ["V", "NP", "and", "V", "NP"]],
    "PP": [["in", "the", "PLACE"], ["near", "the", "PLACE"]],
    "N": [["cat"], ["dog"], ["bird"], ["child"], ["farmer"], ["teacher"]],
    "ADJ": [["small"], ["old"], ["happy"], ["quiet"]],
    "V": [["sees"], ["follows"], ["feeds"], ["finds"], ["calls"]],
    "PLACE": [["garden"], ["house"], ["field"], ["market"]],
}


def sentence(rng, symbol="S"):
    if symbol not in grammar:
        return [symbol]
    return [word for part in rng.choice(grammar[symbol]) for word in sentence(rng, part)]


rng = random.Random(args.seed)
lines = {split: [" ".join(sentence(rng)) for _ in range(count)]
         for split, count in (("train", 1500), ("valid", 100), ("test", 100))}


class Dictionary:
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus:
    def __init__(self, texts):
        self.dictionary = Dictionary()
        self.train = self.tokenize(texts["train"])
        self.valid = self.tokenize(texts["valid"])
        self.test = self.tokenize(texts["test"])

    def tokenize(self, text_lines):
        """Each line's words, then '<eos>', as one long tensor of word ids."""
        ids = []
        for line in text_lines:
            for word in line.split() + ["<eos>"]:
                ids.append(self.dictionary.add_word(word))
        return torch.tensor(ids, dtype=torch.int64)


corpus = Corpus(lines)


def batchify(data, bsz):
    """Arrange the word ids in bsz columns; words that don't fill a column are dropped."""
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)


eval_batch_size = 10
train_data = batchify(corpus.train, args.batch_size)
val_data = batchify(corpus.valid, eval_batch_size)
test_data = batchify(corpus.test, eval_batch_size)
print(f"{len(corpus.dictionary)} words in the vocabulary; train {tuple(train_data.shape)}, "
      f"valid {tuple(val_data.shape)}, test {tuple(test_data.shape)} (steps x batch)")

###############################################################################
# The model
###############################################################################


class RNNModel(nn.Module):
    """Embedding, a stack of LSTM layers, and a decoder to next-word log-probabilities."""

    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.5):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.init_weights()
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                weight.new_zeros(self.nlayers, bsz, self.nhid))


ntokens = len(corpus.dictionary)
model = RNNModel(ntokens, args.emsize, args.nhid, args.nlayers, args.dropout).to(device)
criterion = nn.NLLLoss()

###############################################################################
# Training
###############################################################################


def repackage_hidden(h):
    """Cut the hidden state off from its history, so backward stops at this batch."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def evaluate(data_source):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train():
    model.train()
    total_loss = 0.0
    start_time = time.time()
    hidden = model.init_hidden(args.batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        data, targets = get_batch(train_data, i)
        # start each batch from the last one's state, but not from its graph
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()

        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)

        total_loss += loss.item()

        if batch % args.log_interval == 0 and batch > 0:
            cur_loss = total_loss / args.log_interval
            elapsed = time.time() - start_time
            print(f"| epoch {epoch:3d} | {batch:5d}/{len(train_data) // args.bptt:5d} batches | "
                  f"lr {lr:02.2f} | ms/batch {elapsed * 1000 / args.log_interval:5.2f} | "
                  f"loss {cur_loss:5.2f} | ppl {math.exp(cur_loss):8.2f}")
            total_loss = 0
            start_time = time.time()


lr = args.lr
best_val_loss = None
print(f"a uniform guess has perplexity {ntokens}")
for epoch in range(1, args.epochs + 1):
    epoch_start_time = time.time()
    train()
    val_loss = evaluate(val_data)
    print("-" * 89)
    print(f"| end of epoch {epoch:3d} | time: {time.time() - epoch_start_time:5.2f}s | "
          f"valid loss {val_loss:5.2f} | valid ppl {math.exp(val_loss):8.2f}")
    print("-" * 89)
    if not best_val_loss or val_loss < best_val_loss:
        torch.save(model.state_dict(), save_path)
        best_val_loss = val_loss
    else:
        lr /= 4.0  # no improvement on the validation text: anneal the learning rate

model.load_state_dict(torch.load(save_path))
test_loss = evaluate(test_data)
print("=" * 89)
print(f"| End of training | test loss {test_loss:5.2f} | test ppl {math.exp(test_loss):8.2f}")
print("=" * 89)

# a few words from the model, sampled one at a time
model.eval()
hidden = model.init_hidden(1)
word = torch.tensor([[corpus.dictionary.word2idx["<eos>"]]])
words = []
with torch.no_grad():
    for _ in range(30):
        output, hidden = model(word, hidden)
        word_idx = torch.multinomial(output.exp()[0], 1)[0]
        word.fill_(word_idx)
        words.append(corpus.dictionary.idx2word[word_idx])
print("sample:", " ".join(words).replace("<eos>", "/"))
