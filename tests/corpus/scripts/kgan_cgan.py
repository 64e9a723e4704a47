# source: https://github.com/eriklindernoren/Keras-GAN/blob/2f7b43f92d9f3326d3c838acb8acf75f76001fc5/cgan/cgan.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import numpy as np
from keras.layers import Input, Dense, Reshape, Flatten, Dropout, multiply
from keras.layers import BatchNormalization, Embedding
from keras.layers import LeakyReLU  # kerasmagic-corpus: Keras 2.15 path (the original: keras.layers.advanced_activations)
from keras.models import Sequential, Model
from keras.optimizers.legacy import Adam  # kerasmagic-corpus: the published `from keras.optimizers import Adam`: its one optimizer serves several models, which Keras 2.11-2.15 reject (KeyError: The optimizer cannot recognize variable ...); TF 2.11+ users switched to the legacy optimizers


class CGAN():
    def __init__(self):
        self.img_rows = 28
        self.img_cols = 28
        self.channels = 1
        self.img_shape = (self.img_rows, self.img_cols, self.channels)
        self.num_classes = 10
        self.latent_dim = 100
        optimizer = Adam(0.0002, 0.5)
        self.discriminator = self.build_discriminator()
        self.discriminator.compile(loss=['binary_crossentropy'],
            optimizer=optimizer,
            metrics=['accuracy'])
        self.generator = self.build_generator()
        self.generator.compile(loss=['binary_crossentropy'],
            optimizer=optimizer)
        noise = Input(shape=(100,))
        label = Input(shape=(1,))
        img = self.generator([noise, label])
        self.discriminator.trainable = False
        valid = self.discriminator([img, label])
        self.combined = Model([noise, label], valid)
        self.combined.compile(loss=['binary_crossentropy'],
            optimizer=optimizer)

    def build_generator(self):
        model = Sequential()
        model.add(Dense(256, input_dim=self.latent_dim))
        model.add(LeakyReLU(alpha=0.2))
        model.add(BatchNormalization(momentum=0.8))
        model.add(Dense(np.prod(self.img_shape), activation='tanh'))
        model.add(Reshape(self.img_shape))
        noise = Input(shape=(self.latent_dim,))
        label = Input(shape=(1,), dtype='int32')
        label_embedding = Flatten()(Embedding(self.num_classes, self.latent_dim)(label))
        model_input = multiply([noise, label_embedding])
        img = model(model_input)
        return Model([noise, label], img)

    def build_discriminator(self):
        model = Sequential()
        model.add(Dense(512, input_dim=np.prod(self.img_shape)))
        model.add(LeakyReLU(alpha=0.2))
        model.add(Dropout(0.4))
        model.add(Dense(1, activation='sigmoid'))
        img = Input(shape=self.img_shape)
        label = Input(shape=(1,), dtype='int32')
        label_embedding = Flatten()(Embedding(self.num_classes, np.prod(self.img_shape))(label))
        flat_img = Flatten()(img)
        model_input = multiply([flat_img, label_embedding])
        validity = model(model_input)
        return Model([img, label], validity)

    def train(self, epochs, batch_size=128):
        # kerasmagic-corpus: synthetic data (MNIST-shaped arrays instead of mnist.load_data())
        X_train = np.random.randint(0, 256, (256, 28, 28)).astype(np.uint8)
        y_train = np.random.randint(0, 10, (256,)).astype(np.uint8)
        X_train = (X_train.astype(np.float32) - 127.5) / 127.5
        X_train = np.expand_dims(X_train, axis=3)
        y_train = y_train.reshape(-1, 1)
        half_batch = int(batch_size / 2)
        for epoch in range(epochs):
            idx = np.random.randint(0, X_train.shape[0], half_batch)
            imgs, labels = X_train[idx], y_train[idx]
            noise = np.random.normal(0, 1, (half_batch, 100))
            gen_imgs = self.generator.predict([noise, labels])
            valid = np.ones((half_batch, 1))
            fake = np.zeros((half_batch, 1))
            d_loss_real = self.discriminator.train_on_batch([imgs, labels], valid)
            d_loss_fake = self.discriminator.train_on_batch([gen_imgs, labels], fake)
            d_loss = 0.5 * np.add(d_loss_real, d_loss_fake)
            noise = np.random.normal(0, 1, (batch_size, 100))
            valid = np.ones((batch_size, 1))
            sampled_labels = np.random.randint(0, 10, batch_size).reshape(-1, 1)
            g_loss = self.combined.train_on_batch([noise, sampled_labels], valid)
            print("%d [D loss: %f, acc.: %.2f%%] [G loss: %f]" % (epoch, d_loss[0], 100*d_loss[1], g_loss))


if __name__ == '__main__':
    cgan = CGAN()
    cgan.train(epochs=3, batch_size=32)  # kerasmagic-corpus: cut (10000 epochs)
