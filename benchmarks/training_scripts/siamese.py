"""A siamese network in the style of pytorch/examples' siamese_network: one shared encoder
applied to both images of a pair, the two embeddings concatenated into a head with a sigmoid,
BCELoss on same/different labels, a pairs Dataset, Adadelta with StepLR."""
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset


class SiameseNetwork(nn.Module):
    def __init__(self):
        super(SiameseNetwork, self).__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.Flatten(),
                                     nn.Linear(4 * 3 * 3, 16))
        self.fc = nn.Sequential(nn.Linear(32, 16), nn.ReLU(inplace=True), nn.Linear(16, 1))
        self.sigmoid = nn.Sigmoid()

    def forward_once(self, x):
        return self.encoder(x)

    def forward(self, input1, input2):
        output = torch.cat((self.forward_once(input1), self.forward_once(input2)), 1)
        return self.sigmoid(self.fc(output))


class Pairs(Dataset):
    def __init__(self, images, classes):
        self.images, self.classes = images, classes

    def __len__(self):
        return len(self.images) // 2

    def __getitem__(self, index):
        a, b = self.images[2 * index], self.images[2 * index + 1]
        same = (self.classes[2 * index] == self.classes[2 * index + 1]).float()
        return a, b, same


def build():
    return SiameseNetwork()


def train(model, steps):
    classes = torch.randint(0, 2, (64,))
    images = torch.randn(64, 1, 8, 8) * 0.5 + classes.view(-1, 1, 1, 1).float()
    loader = DataLoader(Pairs(images, classes), batch_size=8, shuffle=True)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    criterion = nn.BCELoss()
    model.train()
    losses = []
    while len(losses) < steps:
        for batch_idx, (images_1, images_2, targets) in enumerate(loader):
            optimizer.zero_grad()
            outputs = model(images_1, images_2).squeeze()
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    return losses[:steps]
