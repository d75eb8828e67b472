"""A VAE written as pytorch/examples' vae/main.py is: the model and optimizer at module level,
train(epoch) reading them as globals, the loss in a helper, and here a forward returning a dict."""
import torch
from torch import nn, optim
from torch.nn import functional as F

torch.manual_seed(0)
device = torch.device("cpu")


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(36, 16)
        self.fc21 = nn.Linear(16, 4)
        self.fc22 = nn.Linear(16, 4)
        self.fc3 = nn.Linear(4, 16)
        self.fc4 = nn.Linear(16, 36)

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
        mu, logvar = self.encode(x.view(-1, 36))
        z = self.reparameterize(mu, logvar)
        return {"recon": self.decode(z), "mu": mu, "logvar": logvar}


def loss_function(out, x):
    BCE = F.binary_cross_entropy(out["recon"], x.view(-1, 36), reduction='sum')
    KLD = -0.5 * torch.sum(1 + out["logvar"] - out["mu"].pow(2) - out["logvar"].exp())
    return BCE + KLD


model = VAE().to(device)
optimizer = optim.Adam(model.parameters(), lr=1e-2)
images = torch.rand(48, 1, 6, 6)
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images), batch_size=8, shuffle=True)
history = []


def train(epoch):
    model.train()
    train_loss = 0
    for batch_idx, (data,) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        out = model(data)
        loss = loss_function(out, data)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        history.append(loss.item() / len(data))
    print('====> Epoch: {} Average loss: {:.4f}'.format(epoch, train_loss / len(train_loader.dataset)))


def build():
    return model


def run(net, steps):
    for epoch in range(1, 3):
        train(epoch)
    return history[:steps]


VERIFY = "build,run"
