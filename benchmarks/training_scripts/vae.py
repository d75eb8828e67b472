"""A VAE in the style of pytorch/examples' vae: fc encoder to mu/logvar, the reparameterization
trick with randn_like, a sigmoid decoder, the loss (BCE + KLD) computed by a helper function."""
import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc21 = nn.Linear(32, 4)
        self.fc22 = nn.Linear(32, 4)
        self.fc3 = nn.Linear(4, 32)
        self.fc4 = nn.Linear(32, 64)

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


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction='sum')
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def build():
    return VAE()


def train(model, steps):
    data = torch.rand(80, 1, 8, 8)
    labels = torch.zeros(80, dtype=torch.long)
    train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data, labels), batch_size=16,
                                               shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    losses = []
    train_loss = 0
    while len(losses) < steps:
        for batch_idx, (data, _) in enumerate(train_loader):
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            losses.append(loss.item() / len(data))
    print('Average loss: {:.4f}'.format(train_loss / len(train_loader.dataset)))
    return losses[:steps]
