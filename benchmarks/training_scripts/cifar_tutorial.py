"""The CIFAR-10 tutorial's loop: `for i, data in enumerate(trainloader, 0)`, `inputs, labels = data`,
running_loss printed every N mini-batches, SGD with momentum and nesterov, a cosine schedule stepped
per batch, then save, a fresh net loading the checkpoint, and evaluation with correct/total counts."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

PATH = './cifar_net.pth'


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(6 * 3 * 3, 20)
        self.fc2 = nn.Linear(20, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def build():
    return Net()


def train(net, steps):
    images = torch.randn(40, 3, 8, 8)
    targets = torch.randint(0, 10, (40,))
    trainset = torch.utils.data.TensorDataset(images, targets)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=True, num_workers=0)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
    losses = []
    for epoch in range(2):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            running_loss += loss.item()
            if i % 5 == 4:
                print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 5:.3f}')
                running_loss = 0.0
    torch.save(net.state_dict(), PATH)
    net2 = Net()
    net2.load_state_dict(torch.load(PATH, weights_only=True))
    correct = 0
    total = 0
    with torch.no_grad():
        for data in trainloader:
            images, labels = data
            outputs = net2(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    losses.append(correct / total)
    return losses[:steps] + losses[-1:]
