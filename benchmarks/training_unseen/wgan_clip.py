"""WGAN with weight clipping: n_critic critic steps per generator step, RMSprop, the critic's
weights clamped in place after each of its steps, the fake batch detached for the critic."""
import torch
import torch.nn as nn

nz = 4


def build():
    netG = nn.Sequential(nn.Linear(nz, 16), nn.ReLU(), nn.Linear(16, 2))
    netD = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    return netG, netD


def train(models, steps, n_critic=2, clip_value=0.05):
    netG, netD = models
    optimizerD = torch.optim.RMSprop(netD.parameters(), lr=5e-3)
    optimizerG = torch.optim.RMSprop(netG.parameters(), lr=5e-3)
    real_data = torch.randn(steps * n_critic, 16, 2) * 0.5 + 1.0
    history = []
    for i in range(steps):
        for j in range(n_critic):
            real = real_data[i * n_critic + j]
            optimizerD.zero_grad()
            noise = torch.randn(16, nz)
            fake = netG(noise).detach()
            errD = -(torch.mean(netD(real)) - torch.mean(netD(fake)))
            errD.backward()
            optimizerD.step()
            for p in netD.parameters():
                p.data.clamp_(-clip_value, clip_value)
        optimizerG.zero_grad()
        gen = netG(torch.randn(16, nz))
        errG = -torch.mean(netD(gen))
        errG.backward()
        optimizerG.step()
        history.append((errD.item(), errG.item()))
    return history
