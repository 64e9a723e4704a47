# source: https://github.com/PacktPublishing/Advanced-Deep-Learning-with-Keras/blob/2a6567aba8f9faa9cf4c1652b56408e20851869d/chapter3-autoencoders/colorization-autoencoder-cifar10-3.4.1.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import os
import numpy as np
from keras.layers import Dense, Input
from keras.layers import Conv2D, Flatten
from keras.layers import Reshape, Conv2DTranspose
from keras.models import Model
from keras.callbacks import ReduceLROnPlateau, ModelCheckpoint
from keras import backend as K


def rgb2gray(rgb):
    return np.dot(rgb[..., :3], [0.299, 0.587, 0.114])


# kerasmagic-corpus: synthetic data (CIFAR10-shaped arrays instead of cifar10.load_data())
rng = np.random.default_rng(3)
x_train = rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
x_test = rng.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)

img_rows, img_cols, channels = x_train.shape[1], x_train.shape[2], x_train.shape[3]
x_train_gray = rgb2gray(x_train).astype('float32') / 255
x_test_gray = rgb2gray(x_test).astype('float32') / 255
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255
x_train_gray = x_train_gray.reshape(x_train_gray.shape[0], img_rows, img_cols, 1)
x_test_gray = x_test_gray.reshape(x_test_gray.shape[0], img_rows, img_cols, 1)

input_shape = (img_rows, img_cols, 1)
batch_size = 32
kernel_size = 3
latent_dim = 32  # kerasmagic-corpus: cut (256)
layer_filters = [16, 32, 64]  # kerasmagic-corpus: cut ([64, 128, 256])

inputs = Input(shape=input_shape, name='encoder_input')
x = inputs
for filters in layer_filters:
    x = Conv2D(filters=filters, kernel_size=kernel_size, strides=2, activation='relu', padding='same')(x)
shape = K.int_shape(x)
x = Flatten()(x)
latent = Dense(latent_dim, name='latent_vector')(x)
encoder = Model(inputs, latent, name='encoder')

latent_inputs = Input(shape=(latent_dim,), name='decoder_input')
x = Dense(shape[1]*shape[2]*shape[3])(latent_inputs)
x = Reshape((shape[1], shape[2], shape[3]))(x)
for filters in layer_filters[::-1]:
    x = Conv2DTranspose(filters=filters, kernel_size=kernel_size, strides=2, activation='relu', padding='same')(x)
outputs = Conv2DTranspose(filters=channels, kernel_size=kernel_size, activation='sigmoid', padding='same', name='decoder_output')(x)
decoder = Model(latent_inputs, outputs, name='decoder')

autoencoder = Model(inputs, decoder(encoder(inputs)), name='autoencoder')
autoencoder.summary()

save_dir = os.path.join(os.getcwd(), 'saved_models')
model_name = 'colorized_ae_model.{epoch:03d}.h5'
if not os.path.isdir(save_dir):
    os.makedirs(save_dir)
filepath = os.path.join(save_dir, model_name)

lr_reducer = ReduceLROnPlateau(factor=np.sqrt(0.1),
                               cooldown=0,
                               patience=5,
                               verbose=1,
                               min_lr=0.5e-6)
checkpoint = ModelCheckpoint(filepath=filepath,
                             monitor='val_loss',
                             verbose=1,
                             save_best_only=True)
autoencoder.compile(loss='mse', optimizer='adam')
callbacks = [lr_reducer, checkpoint]
autoencoder.fit(x_train_gray,
                x_train,
                validation_data=(x_test_gray, x_test),
                epochs=2,  # kerasmagic-corpus: cut (30)
                batch_size=batch_size,
                callbacks=callbacks)
x_decoded = autoencoder.predict(x_test_gray)
print('colorized', x_decoded.shape, sorted(os.listdir(save_dir)))
