"""Beginner training programs, written once against a `torch` module and run with both libraries
(`import insitu as torch`): raw autograd, nn + manual update, optim, a custom Module, dynamic
control flow, a custom autograd.Function and an embedding language model with NLLLoss. Each starts
from the same parameters in both libraries and must end at the same loss."""
import math
import random

import numpy as np
import pytest

import insitu
import insitu.nn  # noqa: F401  (binds insitu.nn, .optim, .utils like torch's subpackages)
import insitu.optim  # noqa: F401
import insitu.utils.data  # noqa: F401

torch_ = pytest.importorskip("torch")
STEPS = 100
POINTS = 500


def polynomial_with_autograd(torch):
    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, POINTS, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True)
                  for v in (0.1, -0.2, 0.3, -0.1))
    learning_rate = 1e-6
    for _ in range(STEPS):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return loss.item()


def _poly_data(torch):
    x = torch.linspace(-math.pi, math.pi, POINTS)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    return x.unsqueeze(-1).pow(p), y


def _linear_start(torch, model):
    model.load_state_dict({"0.weight": torch.tensor([[0.1, -0.2, 0.05]]),
                           "0.bias": torch.tensor([0.3])})


def polynomial_with_nn(torch):
    xx, y = _poly_data(torch)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    _linear_start(torch, model)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for _ in range(STEPS):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    return loss.item()


def polynomial_with_optim(torch):
    xx, y = _poly_data(torch)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    _linear_start(torch, model)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    for _ in range(STEPS):
        loss = loss_fn(model(xx), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def polynomial_custom_module(torch):
    class Polynomial3(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(0.1))
            self.b = torch.nn.Parameter(torch.tensor(-0.2))
            self.c = torch.nn.Parameter(torch.tensor(0.3))
            self.d = torch.nn.Parameter(torch.tensor(-0.1))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

        def string(self):
            return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2"

    x = torch.linspace(-math.pi, math.pi, POINTS)
    y = torch.sin(x)
    model = Polynomial3()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    for _ in range(STEPS):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert model.string().startswith("y = ")
    return loss.item()


def dynamic_net(torch):
    class DynamicNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c, self.d, self.e = (torch.nn.Parameter(torch.tensor(v))
                                                      for v in (0.1, -0.2, 0.3, -0.1, 0.01))

        def forward(self, x, rng):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for exp in range(4, rng.randint(4, 6)):
                y = y + self.e * x ** exp
            return y

    x = torch.linspace(-math.pi, math.pi, POINTS)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    rng = random.Random(0)
    for _ in range(STEPS):
        loss = criterion(model(x, rng), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def custom_function(torch):
    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    x = torch.linspace(-math.pi, math.pi, POINTS)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    learning_rate = 5e-6
    for _ in range(STEPS):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for t in (a, b, c, d):
                t -= learning_rate * t.grad
                t.grad = None
    return loss.item()


SENTENCE = """When forty winters shall besiege thy brow, And dig deep trenches in thy beauty's
field, Thy youth's proud livery so gazed on now, Will be a totter'd weed of small worth held:
Then being asked, where all thy beauty lies""".split()


def ngram_language_model(torch):
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    context_size, embedding_dim = 2, 10
    ngrams = [([SENTENCE[i - j - 1] for j in range(context_size)], SENTENCE[i])
              for i in range(context_size, len(SENTENCE))]
    vocab = sorted(set(SENTENCE))
    word_to_ix = {word: i for i, word in enumerate(vocab)}

    class NGramLanguageModeler(nn.Module):
        def __init__(self, vocab_size, embedding_dim, context_size):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.linear1 = nn.Linear(context_size * embedding_dim, 32)
            self.linear2 = nn.Linear(32, vocab_size)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).view((1, -1))
            out = F.relu(self.linear1(embeds))
            out = self.linear2(out)
            return F.log_softmax(out, dim=1)

    model = NGramLanguageModeler(len(vocab), embedding_dim, context_size)
    rng = np.random.default_rng(0)
    model.load_state_dict({k: torch.tensor(rng.standard_normal(tuple(v.shape)).astype(np.float32)
                                           * 0.3)
                           for k, v in model.state_dict().items()})
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for _ in range(2):
        total_loss = 0
        for context, target in ngrams:
            context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
            model.zero_grad()
            log_probs = model(context_idxs)
            loss = loss_function(log_probs, torch.tensor([word_to_ix[target]],
                                                         dtype=torch.long))
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        losses.append(total_loss)
    assert losses[-1] < losses[0]
    return losses[-1]


PROGRAMS = [polynomial_with_autograd, polynomial_with_nn, polynomial_with_optim,
            polynomial_custom_module, dynamic_net, custom_function, ngram_language_model]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_runs_with_insitu_and_ends_where_torch_does(program):
    needs = {"ngram_language_model": "log_softmax"}
    if program.__name__ in needs and not hasattr(insitu, needs[program.__name__]):
        pytest.skip(f"needs insitu.{needs[program.__name__]}")
    if program is custom_function and not hasattr(insitu.autograd, "Function"):
        pytest.skip("needs insitu.autograd.Function")
    mine = program(insitu)
    theirs = program(torch_)
    assert math.isfinite(mine)
    np.testing.assert_allclose(mine, theirs, rtol=2e-3)
